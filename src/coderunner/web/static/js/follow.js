// Brings what the child is waiting for (output, test results) into view after Run or Submit.
// Smooth only when the child's device allows motion; nothing moves if it is already in view.

const calm = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

/** Scroll `element` so its top shows, unless its top is already on screen. */
export function bringIntoView(element) {
  if (!element || element.hidden) return;
  const top = element.getBoundingClientRect().top;
  if (top >= 0 && top < window.innerHeight * 0.75) return;
  element.scrollIntoView({ block: "start", behavior: calm() ? "auto" : "smooth" });
}
