// Feltbok's only script of its own: confirmations for irreversible buttons
// (no inline scripts: the Content-Security-Policy allows none).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// +1 buttons of the anonymous tally: each tap adds one to its number field.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-plus]");
  if (!button) return;
  const input = document.getElementById(button.dataset.plus);
  input.value = String((parseInt(input.value, 10) || 0) + 1);
  input.dispatchEvent(new Event("change", { bubbles: true }));
});
