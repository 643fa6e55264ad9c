// The problem page: editor, Run (with stdin), Submit, live status, results, hints, drawer.
import { api, ApiError } from "./api.js";
import { runJob } from "./jobs.js";
import { createDrafts } from "./drafts.js";
import { showExplanation, showOutput, showSubmission, verdictText } from "./results.js";
import { bringIntoView } from "./follow.js";
import { setupHints } from "./hints.js";
import { setupDrawer } from "./drawer.js";
import { trackSession } from "./sessions.js";
import { runConsole } from "./console.js";
import { chosenLanguage, draftId, setupLanguagePicker, starterOf } from "./language.js";
import { setupStep } from "./step.js";
import { hideDrawing, setupDrawing, showDrawing, submissionDrawing } from "./turtle.js";
import { prepareCelebration } from "./celebrate.js";

const data = JSON.parse(document.getElementById("page-data").textContent);
// a problem may allow several languages: start in the learner's last choice
data.language = chosenLanguage(data);
data.starterCode = starterOf(data, data.language);
const voice = data.voice || {};
const $ = (id) => document.getElementById(id);

const statusLine = $("status");
const output = $("output");
const explanation = $("explanation");
const results = $("results");
const runButton = $("run-button");
const submitButton = $("submit-button");
const stdin = $("stdin");
let busy = false;

function setStatus(text, kind = "") {
  statusLine.textContent = text;
  statusLine.className = `status ${kind}`;
}

const STATUS_WORDS = {
  pending: "Waiting for a free computer…",
  processing: voice.running || "Running your code…",
};

const nonceMeta = document.querySelector('meta[name="csp-nonce"]');
// the code is saved on the server and restored on any computer (drafts.js)
const drafts = createDrafts({
  userId: data.userId,
  problemId: data.problemId,
  draftIdOf: (language) => draftId(data, language),
  starterOf: (language) => starterOf(data, language),
  editor: () => editor,
  onServer: !data.preview,
});
const serverDrafts = drafts.load();
const saved = drafts.localCode(data.language);
const editorHost = $("editor");
const placeholder = $("editor-placeholder");
const loading = $("editor-loading");
// the learner's own code is readable at once; the editor (a large bundle) replaces it when it
// arrives, and only then are Run and Submit turned on
if (placeholder && saved != null) placeholder.textContent = saved;
let createEditor;
try {
  ({ createEditor } = await import(editorHost.dataset.bundle || "../build/editor.js"));
} catch (err) {
  if (loading) loading.textContent = "The editor did not load. Please reload the page.";
  throw err;
}
if (placeholder) placeholder.remove();
function makeEditor(doc) {
  return createEditor(editorHost, {
    doc,
    language: data.language || "python",
    label: editorHost.dataset.label || "Code editor",
    nonce: nonceMeta ? nonceMeta.content : "",
    onRun: () => run(),
    onChange: (code) => drafts.changed(code),
  });
}
await serverDrafts;
let editor = makeEditor(drafts.open(data.language) ?? data.starterCode);
// switching language: the editor is rebuilt in the new language's mode with that language's
// draft (or its starter code); the other language's draft stays saved
setupLanguagePicker(data, (language) => {
  data.language = language;
  data.starterCode = starterOf(data, language);
  drafts.leave();
  editor.view.destroy();
  editor = makeEditor(drafts.open(language) ?? data.starterCode);
  editor.focus();
});

function lock(value) {
  busy = value;
  runButton.disabled = value;
  submitButton.disabled = value;
  if (exampleButton) exampleButton.disabled = value;
  runButton.setAttribute("aria-busy", value ? "true" : "false");
  submitButton.setAttribute("aria-busy", value ? "true" : "false");
}

const handlers = {
  onStatus: (status) => setStatus(STATUS_WORDS[status] || "", status in STATUS_WORDS ? "running" : ""),
  onBusy: (seconds, err) => {
    const why = err.status === 429 ? "Lots of clicks! " : (voice.busy || "The computers are busy. ");
    setStatus(`${why} Trying again in ${seconds} s…`, "running");
  },
  onOutput: (text) => {
    if (output.dataset.live !== "1") { output.textContent = ""; output.dataset.live = "1"; }
    output.textContent += text;
  },
};

function showFailure(err) {
  const message = err instanceof ApiError ? err.message : "Something went wrong. Please try again.";
  setStatus(message, "error");
  // the session ended (logged out in another window): say so, keep the code on screen
  if (err instanceof ApiError && err.status === 401) setStatus(drafts.sessionEnded(), "error");
}

function platformFailed(job) {
  setStatus("Our computers couldn't run your code this time. It's not your fault; please try again.", "error");
  output.textContent = job.failureReason || "";
}

const outputPanel = output.closest(".output-panel");

async function run() {
  if (busy) return;
  lock(true);
  results.hidden = true;
  outputPanel.hidden = false;
  explanation.hidden = true;
  output.dataset.live = "0";
  output.textContent = "";
  hideDrawing();
  setStatus(STATUS_WORDS.pending, "running");
  bringIntoView(statusLine);  // a console run asks for its input down there
  try {
    const code = editor.getCode();
    const language = data.language || "python";
    // an empty input box: the program runs as a console and asks for its input (console.js)
    const form = $("console-form");
    const job = form && !stdin.value
      ? await runConsole({ code, language, output, form, handlers })
      : await runJob("run", { code, language, stdin: stdin.value }, handlers);
    if (job.status === "failed") { platformFailed(job); return; }
    const celebration = await prepareCelebration(runButton);  // what this job brought (celebrate.js)
    const result = job.result || {};
    if (job.type !== "console") showOutput(output, result);
    showDrawing(result.drawing);
    showExplanation(explanation, (result.console && result.console.message) || result.explanation);
    const ok = result.verdict === "OK" || result.verdict === "ACCEPTED";
    // the character's error line talks of errors and tracebacks: only for a program that crashed
    // (printing too much or running too long is not an exception)
    const crashed = result.verdict === "RUNTIME_ERROR" || result.verdict === "COMPILATION_ERROR";
    setStatus(ok ? `Done! ${verdictText(result.verdict)}.` : `${crashed ? voice.error || "" : ""} ${verdictText(result.verdict)}.`.trim(), ok ? "ok" : "error");
    bringIntoView(statusLine);
    celebration();
  } catch (err) {
    showFailure(err);
  } finally {
    lock(false);
  }
}

function markSolved() {
  const current = document.querySelector('.problem-chooser a[aria-current="page"]');
  if (current) {
    current.parentElement.className = "status-solved";
    const icon = current.querySelector(".status-icon");
    if (icon) icon.textContent = "✓";
  }
}

// XP comes with the first solve only: read it from the learner's progress
async function showXp() {
  try {
    const { data: progress } = await api("/progress");
    const row = (progress.problems || []).find((p) => p.problemId === data.problemId);
    if (row && row.xpAwarded) {
      statusLine.append(document.createTextNode(` +${row.xpAwarded} XP · ${progress.totalXp} XP in all`));
    }
  } catch { /* the celebration does not need the number */ }
}

async function submit() {
  if (busy) return;
  lock(true);
  explanation.hidden = true;
  results.hidden = true;
  $("next-step").hidden = true;
  for (const old of document.querySelectorAll(".level-complete")) old.remove();
  hideDrawing();
  output.dataset.live = "0";
  setStatus(STATUS_WORDS.pending, "running");
  try {
    const job = await runJob("submit", { problemId: data.problemId, code: editor.getCode(), language: data.language || "python" }, handlers);
    if (job.status === "failed") { platformFailed(job); return; }
    const celebration = await prepareCelebration(submitButton);  // what this job brought (celebrate.js)
    const submission = job.submissionResult || {};
    const { passed, total } = showSubmission(results, submission);
    showDrawing(submissionDrawing(submission));
    // each test shows its own output and explanation; the Run panel would only repeat them
    outputPanel.hidden = true;
    const solved = submission.verdict === "ACCEPTED" || (total > 0 && passed === total);
    if (solved) {
      setStatus(voice.solved || "You solved it!", "ok celebrate");
      showXp();
      $("next-step").hidden = false;
      markSolved();
      // the model solution opens after the first solve (the page renders it on the server)
      if ($("solution-link")) $("solution-link").hidden = false;
      const all = document.querySelectorAll(".problem-chooser li");
      const solvedAll = [...all].every((li) => li.classList.contains("status-solved"));
      if (solvedAll && voice.levelComplete) {
        const note = document.createElement("p");
        note.className = "level-complete";
        note.textContent = voice.levelComplete;
        $("next-step").before(note);
      }
    } else {
      // the character's "some failed" line only when some did pass
      const line = passed > 0 ? (voice.failed || "Almost!") : "Not yet! Look at the first test below.";
      if (submission.compileError) setStatus("Your code could not start yet. Look at the error below and fix it first.", "error");
      else setStatus(`${line} ${passed} of ${total} tests passed.`, "error");
    }
    bringIntoView(statusLine);
    celebration();
  } catch (err) {
    showFailure(err);
  } finally {
    lock(false);
  }
}

runButton.addEventListener("click", () => run());
// "Run with the example": the first example's input goes in the box, then an ordinary Run
const exampleButton = $("example-button");
if (exampleButton) {
  exampleButton.addEventListener("click", () => {
    stdin.value = data.exampleInput || "";
    run();
  });
}
submitButton.addEventListener("click", () => submit());
$("reset-button").addEventListener("click", () => {
  if (!window.confirm("Go back to the starter code? Your changes to this puzzle will be lost.")) return;
  drafts.reset();
  editor.focus();
});
// Ctrl/Cmd+Enter runs from anywhere on the page (the editor handles it itself too)
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
    event.preventDefault();
    run();
  }
});

setupHints($("hint-button"), $("hint-list"), (shown) => {
  // hints used count toward badges; a failed report never gets in the learner's way
  api("/learning/hints", { method: "POST", body: { problemId: data.problemId, hintIndex: shown - 1 } }).catch(() => {});
});
setupDrawer($("cheatsheet-button"), $("cheatsheet-drawer"), $("drawer-close"));
setupDrawing();
trackSession({ ageGroup: data.ageGroup, levelNumber: data.levelNumber, problemId: data.problemId });

// the editor is ready: the buttons work now
for (const button of [runButton, submitButton, $("reset-button"), exampleButton].filter(Boolean)) {
  button.disabled = false;
  button.removeAttribute("aria-describedby");
}
if (loading) loading.remove();
// Step mode (step.js): the same code and input, one line at a time
setupStep({
  button: $("step-button"),
  getCode: () => editor.getCode(),
  stdinBox: stdin,
  exampleInput: data.exampleInput || "",
  language: () => data.language || "python",
});
