/* Workbench behaviour: small, progressive (every page works without it). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.matches("[data-close-panel]")) {
      var panel = document.getElementById("action-panel");
      if (panel) { panel.innerHTML = ""; }
    }
    if (target.matches("[data-check-all]")) {
      var checked = target.checked;
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = checked; });
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.target;
    if (panel && panel.id === "action-panel") {
      var first = panel.querySelector("input:not([type=hidden]), select, textarea, button");
      if (first) { first.focus(); }
      panel.scrollIntoView({ block: "nearest" });
    }
  });
})();
