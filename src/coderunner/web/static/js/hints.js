// Progressive hints: the server renders them (sanitised Markdown) hidden; one more shows each
// time the learner asks.
export function setupHints(button, list, onReveal = () => {}) {
  if (!button || !list) return;
  const items = [...list.querySelectorAll("li")];
  let shown = items.filter((item) => !item.hidden).length;
  const label = () => {
    const left = items.length - shown;
    button.textContent = left > 0 ? `Show a hint (${left} left)` : "No more hints";
    button.disabled = left <= 0;
  };
  button.addEventListener("click", () => {
    if (shown >= items.length) return;
    items[shown].hidden = false;
    shown += 1;
    onReveal(shown);
    label();
  });
  label();
}
