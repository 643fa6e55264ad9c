// The learner's code kept in this browser, per user and problem (and language): a copy of what
// the server keeps (drafts.js), so it shows at once and outlives a lost connection. Only code
// goes here: never the session token (that lives in an httpOnly cookie). Logging out forgets it.
const PREFIX = "coderunner:code:";
// the tabs of this browser tell each other of saves and of a logout (drafts.js, site.js)
export const DRAFTS_CHANNEL = "coderunner:drafts";

const key = (userId, draftId) => `${PREFIX}${userId}:${draftId}`;

// {code, base, dirty, legacy}: `base` is the server version the code builds on (null: not
// known) and `dirty` says the server does not have it yet. A plain string is a copy kept before
// drafts were saved on the server (legacy): it is offered to the server once.
export function readLocal(userId, draftId) {
  let raw = null;
  try { raw = window.localStorage.getItem(key(userId, draftId)); } catch { return null; }
  if (raw == null) return null;
  try {
    const record = JSON.parse(raw);
    if (record && record.v === 1 && typeof record.code === "string") {
      return { code: record.code, base: Number.isInteger(record.base) ? record.base : null, dirty: !!record.dirty, legacy: false };
    }
  } catch { /* a legacy copy: plain code */ }
  return { code: raw, base: null, dirty: true, legacy: true };
}

export function writeLocal(userId, draftId, { code, base, dirty }) {
  const record = JSON.stringify({ v: 1, code, base: base ?? null, dirty: !!dirty });
  try { window.localStorage.setItem(key(userId, draftId), record); } catch { /* storage full or off */ }
}

export function removeLocal(userId, draftId) {
  try { window.localStorage.removeItem(key(userId, draftId)); } catch { /* ignore */ }
}

// every learner's code kept in this browser (at log out: the computer may be shared)
export function clearAllCode() {
  try {
    const store = window.localStorage;
    for (let i = store.length - 1; i >= 0; i -= 1) {
      const name = store.key(i);
      if (name && name.startsWith(PREFIX)) store.removeItem(name);
    }
  } catch { /* storage off */ }
}
