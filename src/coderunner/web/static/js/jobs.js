// Running a job: start it (kindly retrying when the queue is full or we are rate-limited),
// then follow it live over server-sent events, falling back to polling if the stream drops.
import { api, ApiError, retryAfterSeconds } from "./api.js";

const FINISHED = new Set(["completed", "failed"]);
const MAX_START_TRIES = 6;
const POLL_LIMIT_MS = 120000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** POST /execution/{kind}; on 503/429 wait Retry-After (calling onBusy each second) and retry. */
export async function startJob(kind, payload, { onBusy = () => {} } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const { data } = await api(`/execution/${kind}`, { method: "POST", body: payload });
      return data;
    } catch (err) {
      const busy = err instanceof ApiError && (err.status === 503 || err.status === 429);
      if (!busy || attempt >= MAX_START_TRIES) throw err;
      let wait = retryAfterSeconds(err.retryAfter, 2 * attempt);
      while (wait > 0) {
        onBusy(wait, err);
        await sleep(1000);
        wait -= 1;
      }
    }
  }
}

async function fetchJob(jobId) {
  const { data } = await api(`/execution/${encodeURIComponent(jobId)}`);
  return data;
}

/** Poll GET /execution/{id} until the job finishes. */
export async function pollJob(jobId, { onStatus = () => {} } = {}) {
  const started = Date.now();
  let delay = 400;
  for (;;) {
    let job;
    try {
      job = await fetchJob(jobId);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 429 && err.status !== 503 && err.status !== 0)) throw err;
      await sleep(retryAfterSeconds(err.retryAfter, 2) * 1000);
      continue;
    }
    onStatus(job.status);
    if (FINISHED.has(job.status)) return job;
    if (Date.now() - started > POLL_LIMIT_MS) {
      throw new ApiError(504, "TIMEOUT", "This is taking much longer than usual. Try again in a moment.");
    }
    await sleep(delay);
    delay = Math.min(delay * 1.5, 2000);
  }
}

function parse(data) {
  try { return JSON.parse(data); } catch { return data; }
}

/** Follow a job live over SSE; resolves with the finished job. Falls back to polling. */
export function followJob(jobId, { onStatus = () => {}, onOutput = () => {} } = {}) {
  if (typeof EventSource === "undefined") return pollJob(jobId, { onStatus });
  return new Promise((resolve, reject) => {
    let settled = false;
    const source = new EventSource(`/api/execution/${encodeURIComponent(jobId)}/events`);
    const finish = (promise) => {
      if (settled) return;
      settled = true;
      source.close();
      promise.then(resolve, reject);
    };
    source.addEventListener("status", (event) => {
      const data = parse(event.data);
      const status = typeof data === "string" ? data : data && data.status;
      if (status) onStatus(status);
    });
    source.addEventListener("output", (event) => {
      const data = parse(event.data);
      onOutput(typeof data === "string" ? data : (data && (data.text ?? data.data ?? data.chunk)) || "");
    });
    // `done` carries the whole finished job; anything less and we read it ourselves
    source.addEventListener("done", (event) => {
      const job = parse(event.data);
      const whole = job && typeof job === "object" && FINISHED.has(job.status);
      finish(whole ? Promise.resolve(job) : pollJob(jobId, { onStatus }));
    });
    // a dropped or refused stream: carry on by polling
    source.onerror = () => finish(pollJob(jobId, { onStatus }));
  });
}

/** Start and follow: the finished job, or the job as POSTed if it came back already finished. */
export async function runJob(kind, payload, handlers = {}) {
  const started = await startJob(kind, payload, handlers);
  if (started && FINISHED.has(started.status) && (started.result || started.submissionResult)) return started;
  if (handlers.onStatus) handlers.onStatus(started.status || "pending");
  return followJob(started.jobId, handlers);
}
