// The delivery form's rules on the phone (issue 13): the checks the server makes that need
// nothing but the form (a date not in the future nor outside the match, quantities above
// 0, at least one item and one photo, the note's length) run before the form is sent or
// put in the outbox, so most mistakes show without signal. The limits come from the
// server, rendered as data-rule-* attributes from the same constants the service checks;
// the server stays the authority and checks everything again.
(function () {
  "use strict";

  function number(raw) {
    // Indonesian notation, as the server reads it: "1.250,5" → 1250.5.
    var text = String(raw || "").trim().replace(/\s/g, "");
    if (!/^\d{1,3}(\.\d{3})*(,\d+)?$|^\d+(,\d+)?$|^\d+(\.\d+)?$/.test(text)) return NaN;
    if (/,/.test(text) || /^\d{1,3}(\.\d{3})+$/.test(text)) {
      text = text.replace(/\./g, "").replace(",", ".");
    }
    return Number(text);
  }

  // The field errors are drawn by asuh.js (window.AsuhFieldErrors), loaded on every page.
  var clear = window.AsuhFieldErrors.clear;
  var mark = window.AsuhFieldErrors.mark;

  function check(form) {
    var rules = form.dataset;
    var problems = [];
    function refuse(input, message) { problems.push(input); mark(input, message); }
    var date = form.querySelector("[name='delivered_on']");
    if (date) {
      if (!date.value) refuse(date, "Tanggal penyaluran wajib diisi.");
      else if (date.value > rules.ruleMaxDate) {
        refuse(date, rules.ruleMaxDateMessage);
      } else if (date.value < rules.ruleMinDate) {
        refuse(date, rules.ruleMinDateMessage);
      }
    }
    var filled = 0;
    form.querySelectorAll("fieldset.item-row").forEach(function (row) {
      var item = row.querySelector("select");
      var quantity = row.querySelector("[name$='quantity']");
      if (!item || !quantity || (!item.value && !quantity.value.trim())) return;
      filled += 1;
      if (!item.value) { refuse(item, "Pilih barang dan satuannya."); return; }
      // Issue 15: only the shared catalogue and the child's kabupaten/kota's additions.
      var offered = (rules.ruleCommodities || "").split(" ");
      if (rules.ruleCommodities !== undefined
          && offered.indexOf(item.value.split("|")[0]) < 0) {
        refuse(item, rules.ruleCommodityMessage); return;
      }
      var value = number(quantity.value);
      if (!quantity.value.trim()) refuse(quantity, "Jumlah wajib diisi.");
      else if (isNaN(value)) refuse(quantity, "Jumlah harus berupa angka, misalnya 2,5.");
      else if (value <= 0) refuse(quantity, "Jumlah harus lebih dari 0.");
      else if (value > Number(rules.ruleMaxQuantity)) refuse(quantity, "Jumlah terlalu besar.");
    });
    var first = form.querySelector("fieldset.item-row select");
    if (!filled && first) refuse(first, "Isi minimal satu barang.");
    var note = form.querySelector("[name='note']");
    if (note && note.value.length > Number(rules.ruleMaxNote)) {
      refuse(note, "Catatan maksimal " + rules.ruleMaxNote + " karakter.");
    }
    var photos = form.querySelector("input[type='file'][name='photos']");
    var chosen = window.AsuhPhotos ? window.AsuhPhotos.count() : 0;
    if (photos && rules.rulePhotosRequired && !chosen) {
      refuse(photos, "Lampirkan minimal satu foto bukti penyaluran.");
    }
    return problems;
  }

  // Capture phase: runs before the form's own sending (photos.js) and can stop it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-delivery-rules]")) return;
    clear(form);
    var problems = check(form);
    if (problems.length) {
      event.preventDefault();
      event.stopImmediatePropagation();
      problems[0].focus();
    }
  }, true);
})();
