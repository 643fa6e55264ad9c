// The cheatsheet side drawer: opens beside the code, closes with Esc or its button,
// and gives focus back to the button that opened it.
export function setupDrawer(button, drawer, closeButton) {
  if (!button || !drawer) return;
  const open = () => {
    drawer.hidden = false;
    button.setAttribute("aria-expanded", "true");
    drawer.focus();
  };
  const close = () => {
    drawer.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  };
  button.addEventListener("click", () => (drawer.hidden ? open() : close()));
  if (closeButton) closeButton.addEventListener("click", close);
  drawer.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
}
