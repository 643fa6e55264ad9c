// The console: Run with an empty input box starts the program as a console job; its output
// arrives as it is printed (server-sent events), and the child types each answer when the
// program asks (POST .../console/answer). Stop ends it. See docs/api.md, "The console".
import { api, ApiError } from "./api.js";
import { pollJob, startJob } from "./jobs.js";
import { renderBounded } from "./lines.js";

const FINISHED = new Set(["completed", "failed"]);

/**
 * Run `code` in a console shown in `output` (a <pre>) with the answer form `form`.
 * Resolves with the finished job. `handlers`: onStatus(status), onBusy(seconds, err).
 */
export async function runConsole({ code, language, output, form, handlers = {} }) {
  const input = form.querySelector("#console-input");
  const note = form.querySelector("#console-note");
  const stop = form.querySelector("#console-stop");
  const segments = [];
  let drawn = false;
  const draw = () => {
    if (drawn) return;
    drawn = true;
    requestAnimationFrame(() => {
      drawn = false;
      renderBounded(output, segments);
      output.scrollTop = output.scrollHeight;
    });
  };
  const add = (kind, text) => {
    if (!text) return;
    const last = segments[segments.length - 1];
    if (last && last[0] === kind) last[1] += text;
    else segments.push([kind, text]);
    draw();
  };

  output.textContent = "";
  const started = await startJob("run", { code, language, console: true }, handlers);
  const jobId = started.jobId;
  const path = `/execution/${encodeURIComponent(jobId)}/console`;
  if (handlers.onStatus) handlers.onStatus(started.status || "pending");

  form.hidden = false;
  input.value = "";
  input.disabled = false;
  input.focus();

  const send = async (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    add("answer", text + "\n");
    try {
      await api(`${path}/answer`, { method: "POST", body: { text } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return; // it had just ended
      note.textContent = err instanceof ApiError ? err.message : "Your answer did not arrive. Try again.";
    }
  };
  const stopIt = () => {
    stop.disabled = true;
    api(`${path}/stop`, { method: "POST" }).catch(() => {});
  };
  form.addEventListener("submit", send);
  stop.addEventListener("click", stopIt);
  stop.disabled = false;

  const cleanUp = () => {
    form.removeEventListener("submit", send);
    stop.removeEventListener("click", stopIt);
    form.hidden = true;
    input.disabled = true;
  };

  try {
    return await new Promise((resolve, reject) => {
      const source = new EventSource(`/api${path}`);
      let settled = false;
      const finish = (promise) => {
        if (settled) return;
        settled = true;
        source.close();
        promise.then(resolve, reject);
      };
      source.addEventListener("console", (event) => {
        const limits = JSON.parse(event.data);
        note.textContent = `Type your answer when your program asks, then press Enter. It waits up to ${limits.idleLimitS} seconds for each answer.`;
      });
      source.addEventListener("status", (event) => {
        const { status } = JSON.parse(event.data);
        if (handlers.onStatus) handlers.onStatus(status);
      });
      source.addEventListener("output", (event) => {
        const { stream, text } = JSON.parse(event.data);
        add(stream === "stderr" ? "err" : "out", text);
      });
      source.addEventListener("done", (event) => {
        const job = JSON.parse(event.data);
        finish(Promise.resolve(job && FINISHED.has(job.status) ? job : pollJob(jobId, handlers)));
      });
      // the browser reconnects by itself (resuming after the last output); a refused stream
      // (closed) is followed by polling the job instead
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED) finish(pollJob(jobId, handlers));
      };
    }).then((job) => {
      // the page shows the console's transcript; a job read by polling brings its output
      if (!segments.length && job.result) {
        add("out", job.result.stdout || "");
        add("err", job.result.stderr || "");
      }
      renderBounded(output, segments);
      if (!segments.length) output.textContent = "(your program printed nothing)";
      return job;
    });
  } finally {
    cleanUp();
  }
}
