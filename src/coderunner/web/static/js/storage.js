// The learner's code, per user and problem, kept in this browser between visits.
// Only code goes here: never the session token (that lives in an httpOnly cookie).
const PREFIX = "coderunner:code";

const key = (userId, problemId) => `${PREFIX}:${userId}:${problemId}`;

export function loadCode(userId, problemId) {
  try { return window.localStorage.getItem(key(userId, problemId)); } catch { return null; }
}

export function saveCode(userId, problemId, code) {
  try { window.localStorage.setItem(key(userId, problemId), code); } catch { /* storage full or off */ }
}

export function clearCode(userId, problemId) {
  try { window.localStorage.removeItem(key(userId, problemId)); } catch { /* ignore */ }
}
