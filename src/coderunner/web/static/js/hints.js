// Progressive hints: one more each time the learner asks.
export function setupHints(button, list, hints, onReveal = () => {}) {
  if (!button || !list) return;
  let shown = 0;
  const label = () => {
    const left = hints.length - shown;
    button.textContent = left > 0 ? `Show a hint (${left} left)` : "No more hints";
    button.disabled = left <= 0;
  };
  button.addEventListener("click", () => {
    if (shown >= hints.length) return;
    const item = document.createElement("li");
    item.textContent = hints[shown];
    list.append(item);
    shown += 1;
    onReveal(shown);
    label();
  });
  label();
}
