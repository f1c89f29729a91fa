// The shared inbox's keyboard shortcuts and the canned-reply inserter. Everything works without
// it (links, forms, "Insert" reloads the page with the reply filled). Shortcuts never fire while
// typing in a field; they are listed in the "?" dialog (templates/inbox/_shortcuts.html).
(function () {
  "use strict";

  function typing(target) {
    return target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  // --- The list: j/k move, o/Enter open -----------------------------------------------------
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-inbox-row]"));
  }
  function current() {
    var active = document.activeElement;
    var row = active && active.closest && active.closest("[data-inbox-row]");
    return rows().indexOf(row);
  }
  function focusRow(index) {
    var all = rows();
    if (!all.length) { return; }
    index = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("is-current", i === index); });
    var link = all[index].querySelector("[data-inbox-open]");
    if (link) { link.focus(); }
  }

  // --- A conversation: r reply, n note, a assign to me, s snooze, c close, u back -----------
  function act(key) {
    var target = document.querySelector("[data-inbox-key='" + key + "']");
    if (key === "r") {
      // The text box; in WhatsApp's template-only form, the template picker.
      target = document.querySelector("[data-inbox-reply]") ||
        document.querySelector(".inbox-compose form[method='post'] select");
      if (target) { target.focus(); return true; }
      return false;
    }
    if (key === "n") {
      var note = document.querySelector("[data-inbox-note]");
      if (!note) { return false; }
      note.open = true;
      var box = note.querySelector("textarea");
      if (box) { box.focus(); }
      return true;
    }
    if (!target) { return false; }
    if (target.tagName === "DETAILS") {
      target.open = true;
      var first = target.querySelector("input:not([type='hidden']), select, textarea, button");
      if (first) { first.focus(); }
      return true;
    }
    if (target.tagName === "A") { window.location = target.href; return true; }
    target.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) { return; }
    var key = event.key;
    if (rows().length) {
      if (key === "j") { event.preventDefault(); focusRow(current() + 1); return; }
      if (key === "k") { event.preventDefault(); focusRow(current() < 0 ? 0 : current() - 1); return; }
      if (key === "o" || (key === "Enter" && current() >= 0)) {
        var index = current() < 0 ? 0 : current();
        var link = rows()[index] && rows()[index].querySelector("[data-inbox-open]");
        if (link) { event.preventDefault(); window.location = link.href; }
        return;
      }
    }
    if (["r", "n", "a", "s", "c", "u"].indexOf(key) >= 0 && document.querySelector(".inbox-layout, [data-inbox-key]")) {
      if (act(key)) { event.preventDefault(); }
    }
  });

  // --- Canned replies: insert the rendered text at the cursor ---------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("[data-inbox-canned]");
    if (!form) { return; }
    var box = document.querySelector("[data-inbox-reply]");
    if (!box) { return; }  // the template-only WhatsApp form: let the page reload
    event.preventDefault();
    var error = form.querySelector("[data-inbox-canned-error]");
    var id = form.querySelector("select").value;
    var url = form.dataset.url.replace(/\/0\/$/, "/" + encodeURIComponent(id) + "/");
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
      .then(function (result) {
        if (!result.ok) { if (error) { error.textContent = result.data.error || ""; } return; }
        if (error) { error.textContent = ""; }
        var start = box.selectionStart || 0, end = box.selectionEnd || 0;
        box.value = box.value.slice(0, start) + result.data.text + box.value.slice(end);
        box.focus();
        var at = start + result.data.text.length;
        box.setSelectionRange(at, at);
      });
  });
})();
