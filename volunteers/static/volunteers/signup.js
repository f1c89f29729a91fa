// The signup form: the parent or guardian's questions appear once "I am under 18" is ticked
// (without this script they are simply always shown), and the error summary takes the focus.
(function () {
  "use strict";
  function sync() {
    var box = document.getElementById("id_under_18");
    var group = document.getElementById("guardian");
    if (!box || !group) { return; }
    group.hidden = !box.checked && !group.querySelector(".field--invalid");
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_under_18") { sync(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    sync();
    // After a failed send, keyboard and screen reader users start at the list of what to fix.
    var errors = document.getElementById("form-errors");
    if (errors) { errors.focus(); }
  });
})();
