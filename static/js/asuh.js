// --- phone menu ------------------------------------------------------------------------
// Below 600 px (asuh.css) the menu's links fold behind the "Menu" button; the class on
// <html> tells the stylesheet that script is there to unfold them.
document.documentElement.classList.add("js-menu");
document.addEventListener("DOMContentLoaded", function () {
  const toggle = document.querySelector(".menu-toggle");
  if (!toggle) return;
  const nav = toggle.closest("nav");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    const open = nav.classList.toggle("menu-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
});

// Confirmation before anything destructive: a button or link with data-confirm asks first.
// Kept in a file (not inline) because the Content-Security-Policy forbids inline scripts.
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// --- accessibility: wide tables -------------------------------------------------------
// A .table-wrap that scrolls sideways (a wide table on a phone) must be reachable by
// keyboard, or its hidden columns can't be scrolled into view (WCAG 2.1.1; axe-core's
// scrollable-region-focusable). Done here, for every area's tables at once, and only
// while the wrapper really scrolls, so wide screens get no useless tab stop.
(function () {
  function tableLabel(wrap) {
    const caption = wrap.querySelector("caption");
    if (caption) return caption.textContent.trim();
    for (let node = wrap; node && node !== document.body; node = node.parentElement) {
      for (let prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) return "Tabel: " + prev.textContent.trim();
      }
    }
    return "Tabel";
  }

  function markScrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (wrap.hasAttribute("data-scroll-region")) return;
        const labelled = wrap.hasAttribute("aria-label");
        wrap.setAttribute("data-scroll-region", labelled ? "" : "labelled-here");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (!labelled) wrap.setAttribute("aria-label", tableLabel(wrap));
      } else if (wrap.hasAttribute("data-scroll-region")) {
        if (wrap.getAttribute("data-scroll-region")) wrap.removeAttribute("aria-label");
        ["data-scroll-region", "tabindex", "role"].forEach(function (name) {
          wrap.removeAttribute(name);
        });
      }
    });
  }

  let pending = null;
  document.addEventListener("DOMContentLoaded", markScrollableTables);
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(markScrollableTables, 150);
  });
})();

// --- accessibility: refused forms -----------------------------------------------------
// A refused form comes back as a new page, and screen readers do not read a role="alert"
// that is already there when a page loads. Focusing the first invalid field reads its
// label and error (aria-describedby) and brings a phone user straight to it.
document.addEventListener("DOMContentLoaded", function () {
  const marked = document.querySelector("main [aria-invalid='true']");
  // A group of radio buttons is marked on its fieldset: focus its first choice.
  const invalid = marked && marked.matches("fieldset") ? marked.querySelector("input") : marked;
  const active = document.activeElement || document.body;
  if (invalid && !active.closest("main")) invalid.focus();
});

// --- forms that guide: only the chosen kind's fields ---------------------------------
// A sponsor form shows both kinds' fields under their headings (ASN, Masyarakat) so it
// works without script; with it, only the group of the chosen kind (radio name="kind")
// stays visible. Hidden inputs keep their values: the server reads the chosen kind's.
document.addEventListener("DOMContentLoaded", function () {
  const groups = document.querySelectorAll("[data-kind-group]");
  if (!groups.length) return;
  const form = groups[0].closest("form");
  function show() {
    const chosen = form.querySelector("input[name='kind']:checked");
    groups.forEach(function (group) {
      group.hidden = Boolean(chosen) && group.getAttribute("data-kind-group") !== chosen.value;
    });
  }
  form.querySelectorAll("input[name='kind']").forEach(function (radio) {
    radio.addEventListener("change", show);
  });
  show();
});

// --- errors found on the phone ------------------------------------------------------------
// The offline rules of the delivery and measurement forms (delivery_rules.js,
// measurement_rules.js) show what the server would refuse under the field, as the server's
// own errors look (small.field-error, aria-invalid, aria-describedby); clear() removes only
// the phone's notes, never the server's.
window.AsuhFieldErrors = {
  clear: function (form) {
    form.querySelectorAll("[data-device-error]").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[data-device-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("data-device-invalid");
    });
  },
  mark: function (input, message) {
    const note = document.createElement("small");
    note.className = "field-error";
    note.dataset.deviceError = "";
    note.id = input.id + "-device-error";
    note.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
    input.dataset.deviceInvalid = "";
    input.after(note);
  },
};
