// The children list's place filters by level (asuh/children/list_places.py): choosing a
// kabupaten/kota or a kecamatan refreshes the selects below it with that place's own
// options, read from the same list page the "Tampilkan" button would load (the page works
// the same without this script: choose, show, choose the next). In a file, not inline:
// the Content-Security-Policy forbids inline scripts.
(function () {
  function refresh(form, changed) {
    const selects = Array.from(form.querySelectorAll("select[data-place-level], #kelurahan_code"));
    const below = selects.slice(selects.indexOf(changed) + 1);
    const params = new URLSearchParams(new FormData(form));
    below.forEach(function (select) { params.delete(select.name); });
    params.delete("page");
    fetch((form.getAttribute("action") || window.location.pathname) + "?" + params.toString(),
          { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        const fresh = new DOMParser().parseFromString(html, "text/html");
        below.forEach(function (select) {
          const next = fresh.getElementById(select.id);
          if (next) select.innerHTML = next.innerHTML;
        });
      });
  }

  function start() {
    document.querySelectorAll("select[data-place-level]").forEach(function (select) {
      select.addEventListener("change", function () { refresh(select.form, select); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
