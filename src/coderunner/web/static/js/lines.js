// Output that cannot flood the page: at most `head` first and `tail` last lines are shown, with
// "… N more lines …" between them (an endless print loop stops at the output limit anyway).

export const MORE = (n) => `… ${n} more line${n === 1 ? "" : "s"} …`;

/** `text` with its middle lines replaced by one "… N more lines …" line when it is too long. */
export function boundLines(text, head = 50, tail = 50) {
  const lines = String(text ?? "").split("\n");
  if (lines.length <= head + tail + 1) return String(text ?? "");
  const hidden = lines.length - head - tail;
  return [...lines.slice(0, head), MORE(hidden), ...lines.slice(lines.length - tail)].join("\n");
}

/**
 * Render `segments` ([kind, text], kind "out" | "err" | "answer") into `pre`, bounded to the
 * first `head` and last `tail` lines. Text only (never HTML).
 */
export function renderBounded(pre, segments, head = 100, tail = 200) {
  const lines = [[]];
  for (const [kind, text] of segments) {
    String(text).split("\n").forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (part) lines[lines.length - 1].push([kind, part]);
    });
  }
  const nodes = [];
  const line = (parts) => {
    for (const [kind, text] of parts) {
      if (kind === "out") {
        nodes.push(document.createTextNode(text));
      } else {
        const span = document.createElement("span");
        span.className = kind === "answer" ? "console-answer" : "console-err";
        span.textContent = text;
        nodes.push(span);
      }
    }
  };
  let shown = lines.map((parts, i) => i);
  if (lines.length > head + tail + 1) {
    shown = [...shown.slice(0, head), -1, ...shown.slice(lines.length - tail)];
  }
  shown.forEach((index, i) => {
    if (i > 0) nodes.push(document.createTextNode("\n"));
    if (index === -1) {
      const more = document.createElement("span");
      more.className = "more-lines";
      more.textContent = MORE(lines.length - head - tail);
      nodes.push(more);
    } else {
      line(lines[index]);
    }
  });
  pre.replaceChildren(...nodes);
}
