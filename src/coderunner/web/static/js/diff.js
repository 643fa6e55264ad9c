// Expected vs actual output, with spaces, tabs and line ends made visible and the first
// difference on each line highlighted. Built with DOM nodes only (never innerHTML).

const SHOW = { " ": "·", "\t": "→" };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Append `text` to `parent`, spaces and tabs shown as · and →. */
function appendVisible(parent, text) {
  let plain = "";
  const flush = () => { if (plain) { parent.append(document.createTextNode(plain)); plain = ""; } };
  for (const ch of text) {
    if (SHOW[ch]) {
      flush();
      const mark = el("span", "ws", SHOW[ch]);
      mark.title = ch === " " ? "space" : "tab";
      parent.append(mark);
    } else {
      plain += ch;
    }
  }
  flush();
}

function splitLines(text) {
  const lines = (text || "").replace(/\r\n/g, "\n").split("\n");
  return lines;
}

/** Render lines into a <pre>; `bad[i]` is [from, to) of line i to highlight, or true for all. */
function renderLines(lines, bad, label) {
  const pre = el("pre", "io");
  pre.setAttribute("aria-label", label);
  const gap = () => {
    // nothing on this side where the other side has something: a small marked gap
    const mark = el("mark", "diff-bad diff-gap");
    mark.title = "missing here";
    return mark;
  };
  lines.forEach((line, i) => {
    const range = bad[i];
    if (range === true) {
      if (line) {
        const mark = el("mark", "diff-bad");
        appendVisible(mark, line);
        pre.append(mark);
      } else {
        pre.append(gap());
      }
    } else if (range) {
      appendVisible(pre, line.slice(0, range[0]));
      if (range[1] > range[0]) {
        const mark = el("mark", "diff-bad");
        appendVisible(mark, line.slice(range[0], range[1]));
        pre.append(mark);
      } else {
        pre.append(gap());
      }
      appendVisible(pre, line.slice(range[1]));
    } else {
      appendVisible(pre, line);
    }
    if (i < lines.length - 1) {
      pre.append(el("span", "ws", "↵"), document.createTextNode("\n"));
    }
  });
  return pre;
}

function differingRange(a, b) {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA -= 1; endB -= 1; }
  // an empty range (one line is the other plus more) is drawn as a marked gap
  return [[start, endA], [start, endB]];
}

/** What a child should look at, in words. */
export function explainDifference(expected, actual) {
  const notes = [];
  const exp = splitLines(expected);
  const act = splitLines(actual);
  const trim = (lines) => { const copy = [...lines]; while (copy.length && copy[copy.length - 1] === "") copy.pop(); return copy; };
  const e = trim(exp);
  const a = trim(act);
  if (e.join("\n") === a.join("\n")) return notes;
  if (e.join("\n").toLowerCase() === a.join("\n").toLowerCase()) {
    notes.push("Look at the capital letters: the words are right, but big and small letters differ.");
  } else if (e.map((l) => l.replace(/\s+/g, " ").trim()).join("\n") === a.map((l) => l.replace(/\s+/g, " ").trim()).join("\n")) {
    notes.push("Look at the spaces (shown as ·): there are too many or too few.");
  } else if (e.map((l) => l.trimEnd()).join("\n") === a.map((l) => l.trimEnd()).join("\n")) {
    notes.push("Look at the spaces at the end of a line.");
  }
  if (e.length !== a.length) {
    notes.push(`Expected ${e.length} line${e.length === 1 ? "" : "s"}, your program printed ${a.length}.`);
  }
  if (!notes.length) {
    const line = e.findIndex((l, i) => l !== a[i]);
    if (line >= 0) notes.push(`The first difference is on line ${line + 1}.`);
  }
  return notes;
}

/** A two-column diff: what was expected and what the program printed. */
export function renderDiff(expected, actual) {
  const exp = splitLines(expected || "");
  const act = splitLines(actual || "");
  const badE = [];
  const badA = [];
  for (let i = 0; i < Math.max(exp.length, act.length); i += 1) {
    if (i >= exp.length) { badA[i] = true; continue; }
    if (i >= act.length) { badE[i] = true; continue; }
    if (exp[i] !== act[i]) {
      const [re, ra] = differingRange(exp[i], act[i]);
      badE[i] = re;
      badA[i] = ra;
    }
  }
  const wrap = el("div", "diff");
  const left = el("div");
  left.append(el("p", "io-label", "Expected output"), renderLines(exp, badE, "Expected output"));
  const right = el("div");
  right.append(el("p", "io-label", "Your output"), renderLines(act, badA, "Your output"));
  wrap.append(left, right);
  return wrap;
}
