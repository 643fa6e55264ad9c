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

function testItem(test) {
  const li = el("li", `result ${test.passed ? "pass" : "fail"}`);
  const name = test.hidden ? `Hidden test ${test.index + 1}` : (test.name || `Test ${test.index + 1}`);
  const head = el("p", "result-head", `${test.passed ? "✓" : "✗"} ${name}: ${test.passed ? "passed" : verdictText(test.verdict) || "failed"}`);
  li.append(head);
  if (test.hidden) {
    if (!test.passed) {
      // the author's words for what this secret test checks, when they wrote some
      if (test.hint) li.append(el("p", "test-hint", `What it checks: ${test.hint}`));
      else li.append(el("p", "muted", "This test is secret. Think about unusual inputs (empty, zero, very big)."));
    }
    return li;
  }
  if (!test.passed) {
    if (test.input !== undefined && test.input !== null) {
      li.append(el("p", "io-label", "Input"), el("pre", "io", test.input || "(no input)"));
    }
    if (test.expected !== undefined || test.actual !== undefined) {
      // a flood shows its first and last lines only (lines.js)
      li.append(renderDiff(boundLines(test.expected ?? ""), boundLines(test.actual ?? "")));
      // hints about spaces or capitals only when the output itself was the problem
      if (test.verdict === "WRONG_ANSWER") {
        for (const note of explainDifference(test.expected ?? "", test.actual ?? "")) {
          li.append(el("p", "diff-note", note));
        }
      }
    }
    if (test.stderr) li.append(el("p", "io-label", "Error message"), el("pre", "io stderr", test.stderr));
    if (test.explanation) {
      const box = el("div", "explanation");
      showExplanation(box, test.explanation);
      li.append(box);
    }
  }
  return li;
}

/** The test list; returns the submission's summary for the status line. */
export function showSubmission(section, submission) {
  const list = section.querySelector("#results-list");
  const summary = section.querySelector("#results-summary");
  list.replaceChildren(...(submission.tests || []).map(testItem));
  const total = submission.total ?? (submission.tests || []).length;
  summary.textContent = `${submission.passed ?? 0} of ${total} tests passed`;
  section.hidden = false;
  return { passed: submission.passed ?? 0, total };
}
