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
