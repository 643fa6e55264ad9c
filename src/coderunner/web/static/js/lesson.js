// The lesson page: predictions checked by the server, and the Parsons puzzle (drag and drop,
// or buttons and Alt+arrow keys for the keyboard), run by the server against its tests.
import { api, retryAfterSeconds } from "./api.js";

const data = JSON.parse(document.getElementById("page-data").textContent);
const base = `/lessons/${encodeURIComponent(data.ageGroup)}/${data.level}`;
const MAX_INDENT = 6;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function showProgress(result) {
  const line = document.getElementById("lesson-progress");
  const bar = document.getElementById("lesson-bar");
  if (bar) bar.value = result.stepsDone;
  if (line) {
    line.textContent = result.completed
      ? "Lesson done! ✓ Now try the puzzles below."
      : `${result.stepsDone} of ${result.stepsTotal} steps done`;
  }
}

function problemMessage(error) {
  if (error.status === 503 || error.status === 429) {
    const wait = retryAfterSeconds(error.retryAfter, 5);
    return `${error.message} Try again in ${wait} seconds.`;
  }
  return error.message;
}

// ---- predict ----------------------------------------------------------------------------
for (const form of document.querySelectorAll("form.predict")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = form.querySelector(".predict-result");
    const button = form.querySelector("button[type=submit]");
    let answer;
    if (form.dataset.kind === "choice") {
      const picked = form.querySelector("input[name=answer]:checked");
      if (!picked) return;
      answer = picked.value;
    } else {
      answer = form.querySelector("textarea").value;
    }
    button.disabled = true;
    box.replaceChildren();
    try {
      const { data: result } = await api(`${base}/answers`, {
        method: "POST",
        body: { question: Number(form.dataset.question), answer },
      });
      box.append(
        result.correct
          ? el("p", "Right! Well predicted. ✓", "result-right")
          : el("p", "Not quite. Read the code again, line by line. Here is what it really prints:", "result-wrong"),
      );
      box.append(el("p", "It prints", "io-label"), el("pre", result.output, "io"));
      showProgress(result);
    } catch (error) {
      box.append(el("p", problemMessage(error), "result-wrong"));
    } finally {
      button.disabled = false;
    }
  });
}

// ---- Parsons ----------------------------------------------------------------------------
const list = document.getElementById("parsons-list");
const moves = document.getElementById("parsons-moves");

function lines() {
  return [...list.querySelectorAll(".parsons-line")];
}

function textOf(line) {
  return line.querySelector(".parsons-code").textContent;
}

function announce(line) {
  const position = lines().indexOf(line) + 1;
  const depth = Number(line.dataset.indent);
  moves.textContent = `${textOf(line)}: line ${position} of ${lines().length}` +
    (data.indentsMatter ? `, indented ${depth}` : "");
}

function setIndent(line, depth) {
  const value = Math.max(0, Math.min(MAX_INDENT, depth));
  line.classList.remove(`indent-${line.dataset.indent}`);
  line.dataset.indent = String(value);
  line.classList.add(`indent-${value}`);
  line.querySelector(".parsons-depth").textContent = value ? `, indented ${value}` : "";
}

function move(line, action) {
  if (action === "up" && line.previousElementSibling) {
    list.insertBefore(line, line.previousElementSibling);
  } else if (action === "down" && line.nextElementSibling) {
    list.insertBefore(line.nextElementSibling, line);
  } else if (action === "indent" && data.indentsMatter) {
    setIndent(line, Number(line.dataset.indent) + 1);
  } else if (action === "outdent" && data.indentsMatter) {
    setIndent(line, Number(line.dataset.indent) - 1);
  } else {
    return false;
  }
  announce(line);
  return true;
}

const KEYS = { ArrowUp: "up", ArrowDown: "down", ArrowRight: "indent", ArrowLeft: "outdent" };

if (list) {
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const line = button.closest(".parsons-line");
    move(line, button.dataset.action);
    // keep the focus on the same button of the moved line so it can be pressed again
    button.focus();
  });
  list.addEventListener("keydown", (event) => {
    const line = event.target.closest(".parsons-line");
    if (!line || !event.altKey || !(event.key in KEYS)) return;
    if (move(line, KEYS[event.key])) {
      event.preventDefault();
      if (event.target === line) line.focus();
    }
  });

  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest(".parsons-line");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.id);
  });
  list.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const over = event.target.closest(".parsons-line");
    if (!over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextElementSibling : over);
  });
  list.addEventListener("drop", (event) => {
    event.preventDefault();
  });
  list.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    announce(dragged);
    dragged = null;
  });
}

function describeTest(test) {
  const block = el("div", undefined, "parsons-test");
  block.append(
    el("p", test.passed ? `Test ${test.index + 1}: passed ✓` : `Test ${test.index + 1}: not yet`,
      test.passed ? "result-right" : "result-wrong"),
  );
  if (!test.passed) {
    block.append(el("p", "Input", "io-label"), el("pre", test.input, "io"));
    block.append(el("p", "Should print", "io-label"), el("pre", test.expected, "io"));
    block.append(el("p", "Your order printed", "io-label"), el("pre", test.actual, "io"));
    if (test.error) block.append(el("p", `The program stopped with an error: ${test.error}`));
  }
  return block;
}

const check = document.getElementById("parsons-check");
if (check) {
  check.addEventListener("click", async () => {
    const box = document.getElementById("parsons-result");
    check.disabled = true;
    box.replaceChildren(el("p", "Running your program…", "muted"));
    try {
      const body = {
        lines: lines().map((line) => ({
          id: Number(line.dataset.id),
          indent: Number(line.dataset.indent),
        })),
      };
      const { data: result } = await api(`${base}/parsons`, { method: "POST", body });
      box.replaceChildren(
        result.passed
          ? el("p", "It works! Every test passed. ✓", "result-right")
          : el("p", "Not yet. Look at the first test that did not pass:", "result-wrong"),
        ...result.tests.map(describeTest),
      );
      showProgress(result);
    } catch (error) {
      box.replaceChildren(el("p", problemMessage(error), "result-wrong"));
    } finally {
      check.disabled = false;
    }
  });
}
