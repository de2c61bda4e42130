// Suggestions for every search box (a combobox, WAI-ARIA 1.2 pattern). htmx fetches the
// suggestions (debounced); this file only adds the attributes and lets the keyboard pick one:
// ArrowDown/ArrowUp move, Enter opens the highlighted suggestion, Escape closes the list.
(function () {
  "use strict";

  var script = document.currentScript;
  var suggestUrl = script ? script.src.replace(/\/assets\/search\/search\.js.*$/, "/search/suggest") : "/search/suggest";

  function options(box) {
    return Array.prototype.slice.call(box.querySelectorAll("[role=option]"));
  }

  function close(input, box) {
    box.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(input, box, index) {
    var all = options(box);
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function current(box) {
    return options(box).findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
  }

  function enhance(input, number) {
    if (input.dataset.suggest) return;
    var form = input.form;
    var box = document.createElement("div");
    box.id = "search-suggestions-" + number;
    box.className = "suggestions";
    form.classList.add("has-suggestions");
    form.appendChild(box);
    input.dataset.suggest = "on";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", box.id);
    input.setAttribute("hx-get", suggestUrl);
    input.setAttribute("hx-trigger", "keyup changed delay:300ms, search");
    input.setAttribute("hx-target", "#" + box.id);
    input.setAttribute("hx-swap", "innerHTML");
    input.setAttribute("hx-sync", "this:replace");

    // Once the agent has pressed Enter the search answers; a suggestion still due (the keyup
    // of that Enter, 300 ms on) would only spend Management API requests the search and the
    // page it opens need (3 per second per endpoint). Back from the next page (bfcache), the
    // box suggests again.
    form.addEventListener("submit", function () { input.dataset.submitted = "true"; });
    window.addEventListener("pageshow", function () { delete input.dataset.submitted; });
    input.addEventListener("htmx:confirm", function (event) {
      if (input.dataset.submitted) event.preventDefault();
    });
    box.addEventListener("htmx:afterSwap", function () {
      input.setAttribute("aria-expanded", options(box).length ? "true" : "false");
      highlight(input, box, -1);
    });
    input.addEventListener("keydown", function (event) {
      var all = options(box);
      var index = current(box);
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        highlight(input, box, (index + 1) % all.length);
      } else if (event.key === "ArrowUp" && all.length) {
        event.preventDefault();
        highlight(input, box, index <= 0 ? all.length - 1 : index - 1);
      } else if (event.key === "Enter" && index >= 0) {
        event.preventDefault();
        window.location.assign(all[index].dataset.href);
      } else if (event.key === "Escape") {
        close(input, box);
      }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) close(input, box);
    });
  }

  // base.html loads this file at the end of the page frame, before htmx has processed the
  // page: the header's box is enhanced now and htmx picks its attributes up itself. The boxes of
  // the content (home page, search results) exist at DOMContentLoaded, after htmx's own
  // handler (htmx was loaded first), so they are handed to htmx as they are enhanced.
  function enhanceAll(htmxStarted) {
    document.querySelectorAll("form[role=search] input[name=q]").forEach(function (input, number) {
      if (input.dataset.suggest) return;
      enhance(input, number);
      if (htmxStarted && window.htmx) window.htmx.process(input);
    });
  }

  enhanceAll(false);
  document.addEventListener("DOMContentLoaded", function () { enhanceAll(true); });
})();
