// Feltbok's only script of its own: confirmations for irreversible buttons
// (no inline scripts: the Content-Security-Policy allows none).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
