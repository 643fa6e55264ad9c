// Learning-session time: start when the problem page opens, heartbeat while the page is
// visible, end when the learner leaves. Time counts toward progress; failures are harmless.
import { api } from "./api.js";

const HEARTBEAT_MS = 60000;

export function trackSession({ ageGroup, levelNumber, problemId }) {
  let sessionId = null;
  let timer = null;
  const beat = () => {
    if (sessionId && document.visibilityState === "visible") {
      api(`/sessions/${encodeURIComponent(sessionId)}/heartbeat`, { method: "POST" }).catch(() => {});
    }
  };
  api("/sessions", { method: "POST", body: { ageGroup, levelNumber, problemId } })
    .then(({ data }) => {
      sessionId = data && data.id;
      timer = setInterval(beat, HEARTBEAT_MS);
    })
    .catch(() => {});
  window.addEventListener("pagehide", () => {
    if (!sessionId) return;
    clearInterval(timer);
    api(`/sessions/${encodeURIComponent(sessionId)}/end`, { method: "POST", keepalive: true }).catch(() => {});
    sessionId = null;
  });
}
