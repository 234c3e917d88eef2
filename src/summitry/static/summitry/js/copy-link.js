// Copy buttons for links shown once (the guest panel): `data-copy` names the input to copy, and the
// button carries its messages in the page's language (`data-copied`, `data-by-hand`). Listens on the
// document, so that panels htmx swaps in later work too. Without the Clipboard API (a page not on HTTPS,
// a refused permission) the link is selected and the page says how to copy it by hand.

async function copy(button) {
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  const status = input.closest(".secret-once")?.querySelector("[data-copy-status]");
  try {
    if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
    await navigator.clipboard.writeText(input.value);
    if (status) status.textContent = button.dataset.copied;
  } catch {
    input.focus();
    input.select();
    if (status) status.textContent = button.dataset.byHand;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  if (button) copy(button);
});
document.addEventListener("focusin", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.classList.contains("secret-url")) event.target.select();
});
