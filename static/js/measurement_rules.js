// The measurement form's rules on the phone (issue 13): the checks the server makes that
// need nothing but the form and the child (the day between birth, today and the end of
// balita age; weight required; weight and length/height within WHO Anthro's plausible
// limits; the measurer's name length) run before the figures are sent or put in the
// outbox, so a slip of the finger ("81" for "8,1") shows at the posyandu without signal.
// Limits and messages come from the server (asuh/app_shell/rules.py renders them from
// the growth assessment's own constants and messages); the server checks everything
// again, and alone judges a child's figures against its history and the WHO z-scores.
(function () {
  "use strict";

  // Indonesian notation, as asuh.formatting reads it: "8,1", "1.250,5", "58". A dot that
  // might be a decimal point ("8.1") is for the server to question: no verdict here.
  function number(raw) {
    var text = String(raw || "").replace(/\s/g, "");
    if (/^\d+(,\d+)?$/.test(text) || /^\d{1,3}(\.\d{3})+(,\d+)?$/.test(text)) {
      return Number(text.replace(/\./g, "").replace(",", "."));
    }
    return /^[\d.,]+$/.test(text) ? null : NaN;
  }

  // The field errors are drawn by asuh.js (window.AsuhFieldErrors), loaded on every page.
  var clear = window.AsuhFieldErrors.clear;
  var mark = window.AsuhFieldErrors.mark;

  // {field name: message} for what the server would refuse in this form.
  function problems(form) {
    var rules = form.dataset;
    var found = {};
    var date = form.elements.namedItem("measured_on");
    if (date) {
      if (!date.value) found.measured_on = rules.ruleDateRequiredMessage;
      else if (date.value > rules.ruleMaxDate) found.measured_on = rules.ruleMaxDateMessage;
      else if (date.value < rules.ruleMinDate) found.measured_on = rules.ruleMinDateMessage;
      else if (date.value > rules.ruleMaxAgeDate) found.measured_on = rules.ruleMaxAgeDateMessage;
    }
    var weight = form.elements.namedItem("weight_kg");
    if (weight) {
      var kg = number(weight.value);
      if (!weight.value.trim()) found.weight_kg = rules.ruleWeightRequiredMessage;
      else if (isNaN(kg)) found.weight_kg = rules.ruleWeightNanMessage;
      else if (kg !== null && (kg < Number(rules.ruleMinWeight) ||
                               kg > Number(rules.ruleMaxWeight))) {
        found.weight_kg = rules.ruleWeightMessage;
      }
    }
    var height = form.elements.namedItem("height_cm");
    if (height && height.value.trim()) {  // blank: a weighing only
      var cm = number(height.value);
      if (isNaN(cm)) found.height_cm = rules.ruleHeightNanMessage;
      else if (cm !== null && (cm < Number(rules.ruleMinHeight) ||
                               cm > Number(rules.ruleMaxHeight))) {
        found.height_cm = rules.ruleHeightMessage;
      }
    }
    var by = form.elements.namedItem("measured_by");
    if (by && by.value.length > Number(rules.ruleMaxMeasuredBy)) {  // as the form counts
      found.measured_by = rules.ruleMeasuredByMessage;
    }
    return found;
  }

  // Capture phase: runs before the outbox's sending (offline.js) and can stop it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-measurement-rules]")) return;
    clear(form);
    var found = problems(form);
    var names = Object.keys(found);
    if (!names.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    names.forEach(function (name) { mark(form.elements.namedItem(name), found[name]); });
    form.elements.namedItem(names[0]).focus();
  }, true);

  window.AsuhMeasurementRules = {problems: problems};
})();
