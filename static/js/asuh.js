// Confirmation before anything destructive: a button or link with data-confirm asks first.
// Kept in a file (not inline) because the Content-Security-Policy forbids inline scripts.
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
