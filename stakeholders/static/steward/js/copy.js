// Copy buttons: <button data-copy="FIELD-ID" data-copied="Copied" hidden>. The field stays
// visible, selectable and readable without script; the button shows only where the browser can
// copy, and says so (for a screen reader too, via the status region next to it).
(function () {
  "use strict";
  function ready() {
    if (!(navigator.clipboard && window.isSecureContext)) { return; }
    document.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    navigator.clipboard.writeText(field.value).then(function () {
      var status = button.parentNode.querySelector("[data-copy-status]");
      if (status) { status.textContent = button.getAttribute("data-copied"); }
    }, function () { field.focus(); field.select(); });
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
  document.addEventListener("htmx:afterSettle", ready);
})();
