/* The community's forms: a question or an answer being written is not lost by leaving the page
   by mistake — the browser asks first, until the form is sent. (No inline scripts: CSP.) */
(function () {
  "use strict";
  var dirty = new Set();
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && event.target.tagName === "TEXTAREA" && event.target.value.trim()) {
      dirty.add(form);
    }
  });
  document.addEventListener("submit", function (event) {
    dirty.delete(event.target);
    dirty.clear();
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
