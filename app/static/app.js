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
    document.querySelectorAll("main .table-scroll, main .overflow-auto").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var table = box.querySelector("table");
        var caption = table && table.querySelector("caption");
        var heading = box.closest("section") && box.closest("section").querySelector("h2, h3");
        box.setAttribute("aria-label", (caption || heading || { textContent: "Table" }).textContent.trim());
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { scrollBoxes(document); });
  document.addEventListener("htmx:load", function (event) { scrollBoxes(event.target); });
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { scrollBoxes(document); }, 150);
  });

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
