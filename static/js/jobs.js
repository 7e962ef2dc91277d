// The job page's progress bar: polls the job's small status JSON until it finishes, then
// reloads once so the result (download, report, error) shows. In a file, not inline: the
// Content-Security-Policy forbids inline scripts.
(function () {
  function start() {
    const box = document.getElementById("job-progress");
    if (!box || box.getAttribute("data-finished") === "true") return;
    const url = box.getAttribute("data-status-url");
    const bar = box.querySelector("[data-job-bar]");
    const label = box.querySelector("[data-job-label]");
    const count = box.querySelector("[data-job-count]");
    let delay = 1000;

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (state) {
            bar.value = state.percent;
            bar.textContent = state.percent + "%";
            label.textContent = state.label;
            if (state.total !== null) {
              count.textContent = state.done.toLocaleString("id-ID") + " dari " +
                state.total.toLocaleString("id-ID") + " selesai (" + state.percent + "%)";
            }
            if (state.finished) { window.location.reload(); return; }
          }
          delay = Math.min(delay * 1.2, 5000);
          setTimeout(poll, delay);
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, delay);
  }
  document.addEventListener("DOMContentLoaded", start);
})();
