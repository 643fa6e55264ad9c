// Showing what a run or a submission did: output, the friendly error explanation, and the
// per-test results (visible tests with a diff, hidden tests as pass/fail only).
import { explainDifference, renderDiff } from "./diff.js";
import { boundLines } from "./lines.js";

const VERDICTS = {
  OK: "Ran fine",
  ACCEPTED: "Passed",
  WRONG_ANSWER: "Wrong answer",
  TIME_LIMIT_EXCEEDED: "Took too long",
  MEMORY_LIMIT_EXCEEDED: "Used too much memory",
  OUTPUT_LIMIT_EXCEEDED: "Printed too much",
  RUNTIME_ERROR: "Crashed with an error",
  COMPILATION_ERROR: "Python couldn't read the code",
  INTERNAL_ERROR: "Our computers had a problem (not your fault)",
  STOPPED: "Stopped",
  HIDDEN_TEST_FAILED: "A secret test did not pass yet",
};

export const verdictText = (v) => VERDICTS[v] || (v ? String(v).replaceAll("_", " ").toLowerCase() : "");

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** A paragraph where `backticked` parts become <code> (text nodes only, never HTML). */
function inlineText(tag, className, text) {
  const node = el(tag, className);
  String(text).split("`").forEach((part, i) => {
    if (!part) return;
    node.append(i % 2 ? el("code", null, part) : document.createTextNode(part));
  });
  return node;
}

/** Fill the explanation box from the API's explanation ({title, message, line, hint} or text). */
export function showExplanation(box, explanation) {
  box.replaceChildren();
  if (!explanation) { box.hidden = true; return; }
  if (typeof explanation === "string") {
    box.append(inlineText("p", null, explanation));
  } else {
    const title = explanation.title || explanation.summary;
    if (title) box.append(inlineText("p", "result-head", title));
    for (const key of ["message", "what", "where", "why", "fix", "hint", "suggestion"]) {
      const value = explanation[key];
      if (value && value !== title) box.append(inlineText("p", null, typeof value === "string" ? value : JSON.stringify(value)));
    }
    const said = box.textContent;
    if (explanation.line && !said.includes(`Line ${explanation.line}`) && !said.includes(`line ${explanation.line}`)) {
      box.append(el("p", "muted", `Line ${explanation.line}`));
    }
  }
  box.hidden = false;
}

/** The output panel for a run or for the first failing test of a submission. */
export function showOutput(pre, result) {
  const parts = [];
  if (result && result.stdout) parts.push(result.stdout);
  if (result && result.stderr) parts.push((parts.length ? "\n" : "") + result.stderr);
  if (result && result.truncated) parts.push("\n… (output cut short: it was very long)");
  pre.textContent = boundLines(parts.join(""), 100, 100) || "(your program printed nothing)";
}

const SECRET_TEST = "This test is secret: it tries your program with another input. Check that your program works for any input, not only the examples.";

/** What the whitespace marks in a diff mean, next to the diff. */
function diffLegend() {
  const legend = el("p", "diff-legend");
  legend.append(
    "How to read it: ", el("span", "ws", "·"), " is a space, ", el("span", "ws", "→"), " is a tab, ",
    el("span", "ws", "↵"), " is the end of a line. ", el("mark", "diff-bad", "Coloured"),
    " parts differ; an empty coloured box means something is missing there.",
  );
  return legend;
}

function testBody(test) {
  const parts = [];
  if (test.hidden) {
    // the author's words for what this secret test checks, when they wrote some
    parts.push(test.hint ? el("p", "test-hint", `What it checks: ${test.hint}`) : el("p", "muted", SECRET_TEST));
    return parts;
  }
  if (test.input !== undefined && test.input !== null) {
    parts.push(el("p", "io-label", "Input"), el("pre", "io", test.input || "(no input)"));
  }
  if (test.expected !== undefined || test.actual !== undefined) {
    // a flood shows its first and last lines only (lines.js)
    parts.push(renderDiff(boundLines(test.expected ?? ""), boundLines(test.actual ?? "")), diffLegend());
    // hints about spaces or capitals only when the output itself was the problem, and only
    // when the server did not already name the mistake
    if (test.verdict === "WRONG_ANSWER" && !test.explanation) {
      for (const note of explainDifference(test.expected ?? "", test.actual ?? "")) {
        parts.push(el("p", "diff-note", note));
      }
    }
  }
  if (test.explanation) {
    const box = el("div", "explanation");
    showExplanation(box, test.explanation);
    parts.push(box);
  }
  if (test.stderr) parts.push(el("p", "io-label", "Error message"), el("pre", "io stderr", test.stderr));
  return parts;
}

/** One test: a passed one is a line; a failed one folds (the first failing one starts open). */
function testItem(test, open) {
  const li = el("li", `result ${test.passed ? "pass" : "fail"}`);
  const name = test.hidden ? `Hidden test ${test.index + 1}` : (test.name || `Test ${test.index + 1}`);
  const text = `${test.passed ? "✓" : "✗"} ${name}: ${test.passed ? "passed" : verdictText(test.verdict) || "did not pass yet"}`;
  if (test.passed) {
    li.append(el("p", "result-head", text));
    return li;
  }
  const details = el("details", "result-details");
  details.open = open;
  details.append(el("summary", "result-head", text), ...testBody(test));
  li.append(details);
  return li;
}

/** A program that could not start: said once, before any test. */
function compileErrorBox(error, total) {
  const box = el("div", "compile-error");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Your code could not start");
  box.append(el("p", "result-head", "Your code could not start, so no test could run yet."));
  if (error.explanation) {
    const explanation = el("div", "explanation");
    showExplanation(explanation, error.explanation);
    box.append(explanation);
  }
  if (error.stderr) box.append(el("p", "io-label", "Error message"), el("pre", "io stderr", error.stderr));
  box.append(el("p", "muted", `Fix this first, then press Submit again: all ${total} tests are waiting.`));
  return box;
}

/** The test list; returns the submission's summary for the status line. */
export function showSubmission(section, submission) {
  const list = section.querySelector("#results-list");
  const summary = section.querySelector("#results-summary");
  for (const old of section.querySelectorAll(".compile-error")) old.remove();
  const tests = submission.tests || [];
  const total = submission.total ?? tests.length;
  if (submission.compileError) {
    list.replaceChildren();
    list.before(compileErrorBox(submission.compileError, total));
    summary.textContent = `0 of ${total} tests could run`;
  } else {
    const first = tests.find((test) => !test.passed);
    list.replaceChildren(...tests.map((test) => testItem(test, test === first)));
    summary.textContent = `${submission.passed ?? 0} of ${total} tests passed`;
  }
  section.hidden = false;
  return { passed: submission.passed ?? 0, total };
}
