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
    if (target.matches("[data-set-field]")) {
      // e.g. "催办全部超期事项": set a hidden field of the form before it is submitted
      var form = target.closest("form");
      var field = form && form.elements.namedItem(target.getAttribute("data-set-field"));
      if (field) { field.value = target.getAttribute("data-set-value") || ""; }
    }
    if (target.matches("[data-check-all]")) {
      var checked = target.checked;
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = checked; });
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("select[data-autosubmit]")) {
      var form = target.closest("form");
      if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
    }
  });
  // Registration pre-check: choosing a suggestion fills the category (and the place) of the form.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-fill-category]") : null;
    if (!button) { return; }
    var fills = [["id_category", button.getAttribute("data-fill-category")],
                 ["id_region", button.getAttribute("data-fill-region")]];
    fills.forEach(function (pair) {
      var select = document.getElementById(pair[0]);
      if (select && pair[1] && select.querySelector('option[value="' + pair[1] + '"]')) {
        select.value = pair[1];
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    var category = document.getElementById("id_category");
    if (category) { category.focus(); }
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
