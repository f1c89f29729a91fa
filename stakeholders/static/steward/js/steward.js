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
      return;
    }
    // "?" lists every shortcut (templates/includes/shortcuts.html); Esc closes the dialog.
    if (event.key === "?" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      if (openShortcuts()) { event.preventDefault(); }
      return;
    }
    // In batch entry a plain Enter never saves half a batch: it picks a donor (the picker
    // handles it) or does nothing; Ctrl+Enter saves, as the page says.
    if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && typing && target.form &&
        target.form.hasAttribute("data-batch") && target.tagName !== "BUTTON" &&
        target.getAttribute("role") !== "combobox") {
      event.preventDefault();
    }
  });

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open) { return false; }
    dialog.showModal();
    return true;
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts-open]")) { openShortcuts(); }
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
    within(root, "table.table").forEach(labelCells);
  }

  // On a phone a table's rows become cards: each cell is labelled with its column's heading
  // (the stylesheet shows data-label), unless the template wrote a label of its own.
  function labelCells(table) {
    var names = [];
    table.querySelectorAll("thead tr:first-child > th, thead tr:first-child > td").forEach(function (head) {
      for (var i = 0; i < (head.colSpan || 1); i += 1) { names.push(head.textContent.trim()); }
    });
    if (!names.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && names[column]) {
          cell.setAttribute("data-label", names[column]);
        }
        column += cell.colSpan || 1;
      });
    });
  }

  // The menu button (phones): a disclosure; Escape closes it and returns to the button.
  function setMenu(button, open) {
    button.setAttribute("aria-expanded", String(open));
    button.closest(".site-header").classList.toggle("is-open", open);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-menu-toggle]");
    if (button) { setMenu(button, button.getAttribute("aria-expanded") !== "true"); }
  });
  document.addEventListener("keydown", function (event) {
    var header = event.key === "Escape" && document.querySelector(".site-header.is-open");
    if (!header) { return; }
    var button = header.querySelector("[data-menu-toggle]");
    setMenu(button, false);
    button.focus();
  });
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
    // Answers can arrive out of order (typing "ad", then "ada"): only the latest counts, and an
    // Enter pressed before it arrives picks from it rather than from an older list.
    var asked = 0, pickWhenReady = false;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (items[index]) { input.setAttribute("aria-activedescendant", items[index].id); items[index].scrollIntoView({ block: "nearest" }); }
    }
    function choose(index, stay) {
      var contact = results[index];
      if (!contact) { return; }
      value.value = contact.id;
      input.value = contact.name;
      close();
      if (stay) { return; }  // Tab: the browser moves focus itself, exactly one field on
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
      if (pickWhenReady) { pickWhenReady = false; choose(0); }
    }
    var pending = false;
    input.addEventListener("input", function () {
      value.value = "";
      clearTimeout(timer);
      var query = input.value.trim();
      var ask = ++asked;
      if (query.length < 2) { pending = false; results = []; render(); return; }
      pending = true;
      timer = setTimeout(function () {
        fetch(box.dataset.api + "?search=" + encodeURIComponent(query) + "&page_size=8", {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            if (ask !== asked) { return; }  // a newer question is on its way
            pending = false;
            results = data.results || [];
            render();
          });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();  // never submit the form from the name box
        if (pending) { pickWhenReady = true; } else if (!list.hidden) { choose(active); }
        return;
      }
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Tab" && !event.shiftKey && active >= 0) { choose(active, true); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
})();
