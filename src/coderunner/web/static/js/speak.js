// "Read to me": buttons that read the words of the page aloud with the browser's own speech
// synthesis (statement, hints, explanations, test results, lessons). A button reads what its
// `data-speak` selectors point at, or else its parent; pressing it again stops. Code is never
// read out symbol by symbol: inline code loses its brackets and quotes, and a code block is
// read only when it is one plain line, else it becomes "Look at the example on the screen."
const synth = window.speechSynthesis;
const supported = typeof synth === "object" && synth !== null
  && typeof window.SpeechSynthesisUtterance === "function";

const SKIP = [
  ".speak-button", ".speak-note", "button", "input", "select", "textarea", "script", "style",
  "svg", "[aria-hidden='true']", ".diff", ".diff-legend", ".io-label", ".parsons-list",
];
const BLOCKS = new Set([
  "P", "LI", "H1", "H2", "H3", "H4", "H5", "H6", "DIV", "SECTION", "ARTICLE", "SUMMARY",
  "DETAILS", "DT", "DD", "TR", "TD", "TH", "BLOCKQUOTE", "LABEL", "LEGEND", "FIELDSET", "OL",
  "UL", "FORM", "FIGCAPTION",
]);
// marks that help the eye (ticks, arrows, the whitespace marks of a diff) and mean nothing aloud
const MARKS = /[✓✗✔✘•›‹→←↑↓↵·⋮▶⏯■🔊]/gu;
const EXAMPLE = "Look at the example on the screen.";
const LONGEST = 220;  // characters per utterance: some browsers stop a long one half way

function hiddenNode(el) {
  if (el.hidden || el.matches(SKIP.join(","))) return true;
  const style = getComputedStyle(el);
  return style.display === "none" || style.visibility === "hidden";
}

/** Inline code said as words: `print(word)` → "print word". */
export function sayCode(code) {
  return code.replace(/\.(?=[A-Za-z_])/g, " ").replace(/[()[\]{}"'`;:#_\\]/g, " ");
}

function sayBlock(pre) {
  const text = pre.textContent.trim();
  const plain = text && !text.includes("\n") && text.length <= 60 && /^[\p{L}\p{N} ,.!?-]+$/u.test(text);
  return plain ? text : EXAMPLE;
}

function collect(node, out) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out[out.length - 1] += child.textContent;
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE || hiddenNode(child)) continue;
    const tag = child.tagName;
    if (tag === "PRE") {
      out.push(sayBlock(child), "");
    } else if (tag === "CODE" || tag === "KBD") {
      out[out.length - 1] += ` ${sayCode(child.textContent)} `;
    } else if (tag === "IMG") {
      out[out.length - 1] += ` ${child.alt || ""} `;
    } else if (tag === "DETAILS" && !child.open) {
      const summary = child.querySelector(":scope > summary");
      if (summary) { out.push(""); collect(summary, out); out.push(""); }
    } else if (BLOCKS.has(tag)) {
      out.push("");
      collect(child, out);
      out.push("");
    } else {
      collect(child, out);
    }
  }
}

function sentences(text) {
  if (text.length <= LONGEST) return [text];
  const parts = text.match(/[^.!?]+[.!?]*\s*/g) || [text];
  const chunks = [];
  for (const part of parts) {
    const last = chunks.length - 1;
    if (last >= 0 && chunks[last].length + part.length <= LONGEST) chunks[last] += part;
    else chunks.push(part);
  }
  return chunks.map((c) => c.trim()).filter(Boolean);
}

/** The plain words of some elements, in short pieces ready to be spoken one after another. */
export function wordsOf(elements) {
  const out = [""];
  for (const el of elements) {
    if (hiddenNode(el)) continue;
    out.push("");
    collect(el, out);
  }
  return out
    .map((s) => s.replace(MARKS, " ").replace(/\s+/g, " ").replace(/ ([.,!?:;])/g, "$1").trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s))
    .map((s) => (/[.!?:]$/.test(s) ? s : `${s}.`))
    .flatMap(sentences);
}

function targets(button) {
  const selector = button.dataset.speak;
  return selector ? [...document.querySelectorAll(selector)] : [button.parentElement];
}

let current = null;  // the button reading now

function label(button, reading) {
  const text = button.querySelector(".speak-label");
  if (text) text.textContent = reading ? "Stop reading" : button.dataset.label;
  button.classList.toggle("speaking", reading);
}

function note(button, text) {
  let box = button.nextElementSibling;
  if (!box || !box.classList.contains("speak-note")) {
    if (!text) return;
    box = document.createElement("span");
    box.className = "speak-note muted";
    box.setAttribute("role", "status");
    button.after(box);
  }
  box.textContent = text;
}

function stop() {
  const button = current;
  current = null;
  synth.cancel();
  if (button) label(button, false);
}

function read(button) {
  const pieces = wordsOf(targets(button));
  stop();
  note(button, "");
  if (!pieces.length) return;
  current = button;
  label(button, true);
  pieces.forEach((piece, i) => {
    const utterance = new SpeechSynthesisUtterance(piece);
    utterance.lang = document.documentElement.lang || "en";
    utterance.rate = 0.9;  // a little slower than usual: the listeners are learning to read
    if (i === pieces.length - 1) {
      utterance.addEventListener("end", () => { if (current === button) stop(); });
    }
    utterance.addEventListener("error", (event) => {
      if (current !== button || event.error === "interrupted" || event.error === "canceled") return;
      stop();
      note(button, "This computer can't read aloud right now.");
    });
    synth.speak(utterance);
  });
}

if (supported) {
  for (const button of document.querySelectorAll(".speak-button")) {
    button.dataset.label = button.querySelector(".speak-label")?.textContent || "";
    button.addEventListener("click", () => (current === button ? stop() : read(button)));
    button.hidden = false;
  }
  for (const form of document.querySelectorAll(".speak-form")) form.hidden = false;
  // a page left while reading stops reading (and a page that never read leaves the browser's
  // speech engine alone)
  window.addEventListener("pagehide", () => { if (current) stop(); });
}
