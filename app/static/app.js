// Talon Desk: the little script the pages need. Loaded as a file (the CSP allows no inline
// scripts). htmx itself is configured in base.html's <meta name="htmx-config">.
(function () {
  "use strict";

  function alertArea() {
    return document.getElementById("htmx-alerts");
  }

  // A request that got no answer at all (network down, server gone) swaps nothing; say so
  // instead of leaving the user waiting.
  function showNetworkProblem() {
    var area = alertArea();
    if (!area) return;
    var box = document.createElement("p");
    box.className = "flash flash-error";
    box.setAttribute("role", "alert");
    box.textContent = "The console could not be reached. Check your connection and try again.";
    area.replaceChildren(box);
  }

  document.addEventListener("htmx:sendError", showNetworkProblem);
  document.addEventListener("htmx:timeout", showNetworkProblem);

  // A successful request clears the previous action's error.
  document.addEventListener("htmx:afterRequest", function (event) {
    var area = alertArea();
    if (area && event.detail.successful && event.detail.target !== area) {
      area.replaceChildren();
    }
  });

  // A table wider than its column scrolls inside its own box instead of widening the page or
  // running under the next column. A box that does scroll can be focused, so the keyboard can
  // scroll it too (WCAG 2.1.1).
  // Layout is read for every box first, then the attributes are written: a write between two
  // reads (role and tabindex match style rules) made the browser recompute style and layout
  // for each box in turn (issue 19). It runs after the page's other enhancements, which change
  // text (times), so their writes come before the one layout it reads.
  function scrollBoxes(root) {
    var tables = Array.prototype.slice.call(root.querySelectorAll("main table"));
    if (root.matches && root.matches("main table")) tables.push(root);
    tables.forEach(function (table) {
      if (table.closest(".table-scroll, .overflow-auto")) return;
      var box = document.createElement("div");
      box.className = "table-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
    var boxes = Array.prototype.slice.call(document.querySelectorAll("main .table-scroll, main .overflow-auto"));
    var scrolls = boxes.map(function (box) { return box.scrollWidth > box.clientWidth + 1; });
    boxes.forEach(function (box, index) {
      if (scrolls[index]) {
        var table = box.querySelector("table");
        var caption = table && table.querySelector("caption");
        var heading = box.closest("section") && box.closest("section").querySelector("h2, h3");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (caption || heading || { textContent: "Table" }).textContent.trim());
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { scrollBoxes(document); }, 150);
  });

  // -- habits of people who live in the console ------------------------------------------

  // "/" focuses the search box from any page (the page's own search box first, as on the home
  // page), unless the user is typing somewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var box = document.querySelector("main form[role=search] input[name=q]") ||
      document.querySelector(".header-search input[name=q]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // Copy buttons (macro copy_button): hidden until this script can make them work.
  function copyButtons(root) {
    root.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(button.dataset.copy).then(done, function () { button.textContent = "Press Ctrl+C"; });
    } else {
      // plain http (a laptop demo): select the text in a field for the user to copy
      var field = document.createElement("textarea");
      field.value = button.dataset.copy;
      field.setAttribute("readonly", "");
      field.className = "visually-hidden";
      document.body.appendChild(field);
      field.select();
      var copied = document.execCommand && document.execCommand("copy");
      field.remove();
      if (copied) done(); else button.textContent = "Press Ctrl+C";
    }
  });

  // A button with data-confirm-dialog opens that <dialog> (its own confirming form) instead of
  // sending its form; without this script the server asks for the confirmation on a page of
  // its own. Escape closes a modal dialog (the browser does), and so does a [data-close] button.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-confirm-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.confirmDialog);
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest && event.target.closest("dialog [data-close]");
    if (closer) {
      event.preventDefault();
      closer.closest("dialog").close();
    }
  });

  // An undo notice (macro undo_notice) offers its button for data-undo-seconds, then says so.
  function undoNotices(root) {
    root.querySelectorAll("[data-undo-seconds]:not([data-undo-started])").forEach(function (notice) {
      notice.setAttribute("data-undo-started", "");
      setTimeout(function () {
        var form = notice.querySelector(".undo-form");
        if (!form) return;
        form.remove();
        notice.appendChild(document.createTextNode(" (Undo is no longer offered.)"));
      }, 1000 * Number(notice.dataset.undoSeconds));
    });
  }

  // A table that shows its whole list on one page (data-sortable: staff accounts) sorts its rows
  // by a column: click its heading, again for the other direction. Numbers sort as numbers,
  // times by their datetime. Paged lists are sorted on the server instead (app/sorting.py):
  // sorting one page's rows would put the wrong rows first.
  function cellKey(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var time = cell.querySelector("time[datetime]");
    if (time) return time.getAttribute("datetime");
    var text = cell.textContent.trim();
    var number = text.replace(/[^0-9.,-]/g, "").replace(/,/g, "");
    return /^-?[0-9]+(\.[0-9]+)?$/.test(number) && /^[^A-Za-z]*[0-9]/.test(text) ? Number(number) : text.toLowerCase();
  }
  function sortBy(table, index, heading) {
    var body = table.tBodies[0];
    var ascending = heading.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellKey(a, index), y = cellKey(b, index);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  function sortableTables(root) {
    root.querySelectorAll("table[data-sortable]:not([data-sort-ready])").forEach(function (table) {
      table.setAttribute("data-sort-ready", "");
      if (!table.tHead || !table.tBodies[0] || table.tBodies[0].rows.length < 2) return;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        if (!th.textContent.trim()) return;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "sort-button";
        button.append.apply(button, Array.prototype.slice.call(th.childNodes));
        th.appendChild(button);
        button.addEventListener("click", function () { sortBy(table, index, th); });
      });
    });
  }

  // A file larger than its field takes (data-max-bytes) is refused next to the field, before
  // it is sent: the server would only refuse the whole request.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var limit = Number(input.dataset.maxBytes);
    var file = input.files && input.files[0];
    var note = document.getElementById(input.id + "-size-error");
    if (note) note.remove();
    input.removeAttribute("aria-invalid");
    if (!file || file.size <= limit) return;
    var mb = function (n) { return (n / 1048576).toFixed(n < 1048576 ? 2 : 1).replace(/\.?0+$/, "") + " MB"; };
    note = document.createElement("small");
    note.id = input.id + "-size-error";
    note.className = "field-errors";
    note.setAttribute("role", "alert");
    note.textContent = "This file is " + mb(file.size) + "; a list may have at most " + mb(limit) +
      ". Split it into smaller files. Nothing was sent.";
    input.value = "";
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
    input.insertAdjacentElement("afterend", note);
  });

  // Times (the time filter's <time data-local>) in the browser's own time zone; the server's
  // text (UTC unless configured otherwise) stays as the title.
  var LOCAL_PARTS = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };
  function localTimes(root) {
    root.querySelectorAll("time[data-local]:not([data-shown])").forEach(function (time) {
      var moment = new Date(time.getAttribute("datetime"));
      if (isNaN(moment.getTime())) return;
      var options = Object.assign({}, LOCAL_PARTS, time.hasAttribute("data-seconds") ? { second: "2-digit" } : {});
      var parts = {};
      new Intl.DateTimeFormat("en-GB", options).formatToParts(moment).forEach(function (part) {
        parts[part.type] = part.value;
      });
      time.title = time.textContent.trim();
      time.textContent = parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" +
        parts.minute + (parts.second ? ":" + parts.second : "") + " " + parts.timeZoneName;
      time.setAttribute("data-shown", "");
    });
  }

  function enhance(root) {
    localTimes(root);
    copyButtons(root);
    undoNotices(root);
    sortableTables(root);
    scrollBoxes(root);  // last: it reads layout once the others have written
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });

  // Raw JSON arrives compact (templates' json_block); indent it when its <details> opens.
  // "toggle" does not bubble, hence the capturing listener.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.open || !details.querySelectorAll) return;
    details.querySelectorAll("pre.json:not([data-indented])").forEach(function (pre) {
      try {
        pre.textContent = JSON.stringify(JSON.parse(pre.textContent), null, 2);
      } catch (error) {
        // not JSON after all: leave it as it came
      }
      pre.setAttribute("data-indented", "");
    });
  }, true);
})();
