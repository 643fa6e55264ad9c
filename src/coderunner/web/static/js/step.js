// Step mode: POST /execution/trace runs the program under the tracer in the sandbox; this walks
// its steps: the line about to run, the variables (changed ones marked), the output so far.
import { ApiError } from "./api.js";
import { runJob } from "./jobs.js";
import { showExplanation } from "./results.js";

const $ = (id) => document.getElementById(id);

const EVENT_WORDS = {
  call: "Going into",
  return: "Coming back from",
  exception: "Error on",
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** The output printed up to and including each step (the API sends what each step added). */
function outputsSoFar(steps) {
  const all = [];
  let text = "";
  for (const step of steps) {
    text += step.output || "";
    all.push(text);
  }
  return all;
}

function variableTable(caption, names, before, fresh) {
  const table = el("table", "step-table");
  table.append(el("caption", null, caption));
  const head = el("tr");
  head.append(el("th", null, "Name"), el("th", null, "Value"));
  head.querySelectorAll("th").forEach((th) => th.setAttribute("scope", "col"));
  table.append(head);
  for (const [name, value] of Object.entries(names)) {
    const row = el("tr");
    row.dataset.name = name;
    const changed = !fresh && (!before || before[name] !== value);
    if (changed) row.className = "changed";
    const nameCell = el("th", null, name);
    nameCell.setAttribute("scope", "row");
    const valueCell = el("td");
    valueCell.append(el("code", null, value));
    if (changed) valueCell.append(el("span", "visually-hidden", " (changed)"));
    row.append(nameCell, valueCell);
    table.append(row);
  }
  return table;
}

/** Set up the Step button: `getCode()` is the editor's text, `stdinBox` the Run input,
 * `language()` the chosen language (Step is for Python only: the button hides otherwise). */
export function setupStep({ button, getCode, stdinBox, exampleInput = "", language = () => "python" }) {
  const panel = $("step-panel");
  if (!button || !panel) return;
  const viewer = $("step-viewer");
  const status = $("step-status");
  const slider = $("step-slider");
  const prev = $("step-prev");
  const next = $("step-next");
  let steps = [];
  let outputs = [];
  let lines = [];
  let current = 0;
  let busy = false;

  function setStatus(text, kind = "") {
    status.textContent = text;
    status.className = `status ${kind}`;
  }

  function show(index) {
    if (!steps.length) return;
    current = Math.max(0, Math.min(index, steps.length - 1));
    const step = steps[current];
    const before = current > 0 ? steps[current - 1] : null;
    slider.value = String(current + 1);
    prev.disabled = current === 0;
    next.disabled = current === steps.length - 1;
    $("step-count").textContent = `Step ${current + 1} of ${steps.length}`;
    // the code, with the line about to run marked
    for (const [i, item] of lines.entries()) {
      const here = i + 1 === step.line;
      item.classList.toggle("current", here);
      item.classList.toggle("error", here && step.event === "exception");
      if (here) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    }
    const mark = lines[step.line - 1];
    if (mark) mark.scrollIntoView({ block: "nearest" });
    // the variables: each function call's own, then the program's
    const vars = $("step-vars");
    vars.replaceChildren();
    const oldFrames = before ? before.frames : [];
    if (step.depth) vars.append(el("p", "muted", `${step.depth - step.frames.length} more calls further down are not shown.`));
    step.frames.forEach((frame, i) => {
      const old = oldFrames[i] && oldFrames[i].name === frame.name ? oldFrames[i].locals : null;
      vars.append(variableTable(`Inside ${frame.name}()`, frame.locals, old, !before));
    });
    const names = Object.keys(step.globals).length ? step.globals : null;
    if (names) vars.append(variableTable("Your program's variables", names, before ? before.globals : null, !before));
    if (!names && !step.frames.length) vars.append(el("p", "muted", "No variables yet."));
    const inner = step.frames[step.frames.length - 1];
    if (step.returned !== undefined) vars.append(el("p", "step-note", `${inner ? inner.name : "It"}() gives back ${step.returned}`));
    if (step.exception) vars.append(el("p", "step-note error", step.exception));
    $("step-output").textContent = outputs[current];
    // said to screen readers: where we are and what the line is
    const code = mark ? mark.querySelector("code").textContent.trim() : "";
    const words = EVENT_WORDS[step.event] ? `${EVENT_WORDS[step.event]} line ${step.line}` : `Line ${step.line}`;
    $("step-live").textContent = `Step ${current + 1} of ${steps.length}. ${words}: ${code}`;
  }

  function load(code, job) {
    const result = job.result || {};
    const trace = result.trace || { steps: [] };
    steps = trace.steps || [];
    outputs = outputsSoFar(steps);
    const list = $("step-code");
    list.replaceChildren();
    lines = code.split("\n").map((text, i) => {
      const item = el("li", "step-line");
      item.append(el("span", "step-number", String(i + 1)), el("code", null, text || " "));
      list.append(item);
      return item;
    });
    $("step-message").textContent = trace.message || "";
    const errorBox = $("step-error");
    if (result.explanation) showExplanation(errorBox, result.explanation);
    else errorBox.hidden = true;
    slider.max = String(Math.max(1, steps.length));
    viewer.hidden = !steps.length;
    if (!steps.length) {
      setStatus(trace.message || "There were no steps to show.", result.verdict === "OK" ? "" : "error");
      return;
    }
    setStatus("");
    show(0);
    next.focus();
  }

  async function start() {
    if (busy) return;
    busy = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    panel.hidden = false;
    viewer.hidden = true;
    const code = getCode();
    let stdin = stdinBox ? stdinBox.value : "";
    const example = !stdin && exampleInput && /\binput\s*\(/.test(code);
    if (example) stdin = exampleInput;
    setStatus(example ? "Getting the steps ready (with the first example's input)…" : "Getting the steps ready…", "running");
    try {
      const job = await runJob("trace", { code, language: "python", stdin }, {
        onBusy: (seconds) => setStatus(`The computers are busy. Trying again in ${seconds} s…`, "running"),
      });
      if (job.status === "failed") {
        setStatus("Our computers couldn't run your code this time. It's not your fault; please try again.", "error");
        return;
      }
      load(code, job);
    } catch (err) {
      setStatus(err instanceof ApiError ? err.message : "Something went wrong. Please try again.", "error");
    } finally {
      busy = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  button.addEventListener("click", () => start());
  prev.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  slider.addEventListener("input", () => show(Number(slider.value) - 1));
  $("step-close").addEventListener("click", () => { panel.hidden = true; button.focus(); });
  // ← and → walk the steps from anywhere in the panel (the slider does it itself)
  panel.addEventListener("keydown", (event) => {
    if (event.target === slider || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowLeft") { event.preventDefault(); show(current - 1); }
    if (event.key === "ArrowRight") { event.preventDefault(); show(current + 1); }
  });
  // the language picker (language.js) changes the language on `change`: follow it
  const sync = () => {
    button.hidden = language() !== "python";
    if (button.hidden) panel.hidden = true;
  };
  const picker = $("language-choice");
  if (picker) picker.addEventListener("change", () => setTimeout(sync, 0));
  sync();
  button.disabled = false;
}
