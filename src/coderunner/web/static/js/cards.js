// The login cards page: a Print button (no inline handlers under our CSP).
const button = document.getElementById("print-cards");
if (button) button.addEventListener("click", () => window.print());
