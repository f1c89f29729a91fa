// Steward staff UI: keyboard shortcuts and the contact picker. Everything works without it.
(function () {
  "use strict";

  // "/" focuses the page's search box; Alt+Shift+L opens "Log an interaction".
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing) {
      var search = document.querySelector("[data-shortcut='/']");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    }
    if (event.altKey && event.shiftKey && (event.key === "L" || event.key === "l")) {
      var link = document.querySelector("[data-shortcut='log']");
      if (link) { event.preventDefault(); window.location = link.href; }
    }
    // Ctrl/Cmd+Enter submits the form you are typing in.
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && typing && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
    }
  });

  // Show the complaint category only for complaints.
  function syncComplaint(form) {
    var kind = form.querySelector("[name='kind']");
    var category = form.querySelector("[name='complaint_category']");
    if (!kind || !category) { return; }
    category.closest(".field").hidden = kind.value !== "complaint";
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind" && event.target.form) { syncComplaint(event.target.form); }
  });
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) { found.unshift(root); }
    return found;
  }
  function init(root) {
    within(root, "form").forEach(syncComplaint);
    within(root, ".contact-picker").forEach(contactPicker);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });

  // Batch gift entry: a running total and count as amounts are typed (in any digits, as the
  // server reads them), shown in the reader's locale as the page shows money.
  var OTHER_DIGITS = /[\u0660-\u0669\u06f0-\u06f9\u17e0-\u17e9]/g;
  function asciiDigits(text) {
    return text.replace(OTHER_DIGITS, function (digit) {
      return String(digit.charCodeAt(0) % 16);  // each run of ten digits starts at a multiple of 16
    });
  }
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("[data-batch]");
    if (!form) { return; }
    var total = 0, count = 0;
    form.querySelectorAll("input[name$='-amount']").forEach(function (field) {
      var value = parseFloat(asciiDigits(field.value).replace(/[,\u066b]/, "."));
      if (!isNaN(value)) { total += value; count += 1; }
    });
    var locale = form.dataset.locale;
    form.querySelector("[data-batch-total]").textContent = new Intl.NumberFormat(locale, {
      style: "currency", currency: form.dataset.currency
    }).format(total);
    form.querySelector("[data-batch-count]").textContent = new Intl.NumberFormat(locale).format(count);
  });

  // A live preview: as staff type, the form goes to its preview button's address and the answer
  // shows in the frame the button names (formaction, formtarget); nothing is saved.
  var previewTimer;
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    var button = form && form.querySelector("[data-live-preview]");
    if (!button) { return; }
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () { form.requestSubmit(button); }, 400);
  });

  // An accessible combobox that asks the contacts API as you type.
  function contactPicker(box) {
    if (box.dataset.ready) { return; }
    box.dataset.ready = "1";
    var input = box.querySelector("[role='combobox']");
    var list = box.querySelector("[role='listbox']");
    var value = box.querySelector("[data-picker-value]");
    var active = -1, timer = null, results = [];

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (items[index]) { input.setAttribute("aria-activedescendant", items[index].id); items[index].scrollIntoView({ block: "nearest" }); }
    }
    function choose(index) {
      var contact = results[index];
      if (!contact) { return; }
      value.value = contact.id;
      input.value = contact.name;
      close();
      var focusable = Array.prototype.filter.call(
        input.form.querySelectorAll("input, select, textarea, button"),
        function (el) { return el.type !== "hidden" && !el.disabled && !el.closest("[hidden]"); }
      );
      var next = focusable[focusable.indexOf(input) + 1];
      if (next) { next.focus(); }
    }
    function render() {
      list.innerHTML = "";
      results.forEach(function (contact, i) {
        var li = document.createElement("li");
        li.id = "contact-option-" + contact.id;
        li.setAttribute("role", "option");
        li.textContent = contact.name;
        var hint = contact.email || contact.mobile || contact.phone;
        if (hint) { var small = document.createElement("small"); small.textContent = hint; li.appendChild(small); }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      if (results.length) { highlight(0); }
    }
    input.addEventListener("input", function () {
      value.value = "";
      clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2) { results = []; render(); return; }
      timer = setTimeout(function () {
        fetch(box.dataset.api + "?search=" + encodeURIComponent(query) + "&page_size=8", {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { results = data.results || []; render(); });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Enter") { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
})();
