// Drafts: the learner's code per problem and language is saved on the server (1.5 s after
// typing stops, and when the page is hidden), so it follows them to any computer; a copy in this
// browser (storage.js) shows at once and keeps what the server could not take yet.
// Every save names the version it builds on. When another window or device saved newer code,
// the server refuses (412) and the learner chooses: "Keep this one" or "Use the other one";
// tabs of one browser also tell each other at once (BroadcastChannel). A session that ended
// (logged out in another tab, a teacher reset the password) is said kindly, with a login link;
// the code stays on screen and in this browser until the learner is back, then it syncs.
import { api, ApiError, retryAfterSeconds } from "./api.js";
import { DRAFTS_CHANNEL, readLocal, removeLocal, writeLocal } from "./storage.js";

const SAVE_AFTER_MS = 1500;   // after typing stops
const MIN_GAP_MS = 5000;      // between two saves of one tab: a few saves a minute at most
const RETRY_MS = 10000;       // the server could not be reached: try again after this

const WORDS = {
  saved: "Saved",
  local: "Saved on this computer. It goes to the server when it can.",
  tooLong: "This code is too long to save on the server. Make it shorter.",
  ended: "Saved on this computer until you log in again.",
  endedStatus: "You were logged out, maybe in another window. Your code is still here. Log in again to keep going.",
};

function channel() {
  try { return typeof BroadcastChannel === "function" ? new BroadcastChannel(DRAFTS_CHANNEL) : null; } catch { return null; }
}

/**
 * options: userId, problemId, draftIdOf(language) (the key of the copy in this browser),
 * starterOf(language), editor() (the current editor: {getCode, setCode}).
 */
// onServer false (a teacher's preview): the code stays in this browser, under its own key
export function createDrafts({ userId, problemId, draftIdOf, starterOf, editor, onServer = true }) {
  const $ = (id) => document.getElementById(id);
  const stateLine = $("draft-state");
  const conflictBox = $("draft-conflict");
  const endedBox = $("draft-ended");
  const states = {};          // language -> {version, dirty, inFlight, conflict}
  const server = {};          // language -> {code, version}: the server's, as last known
  let serverKnown = false;    // the GET answered (else this browser's copy stands in)
  let language = null;        // the language in the editor
  let timer = null;
  let lastSaveAt = 0;
  let retryAt = 0;
  let applying = false;       // the editor's text is being replaced by us, not typed
  let ended = false;          // the session ended: save only in this browser
  let leaving = false;        // logging out: keep nothing in this browser any more
  const bc = channel();

  const stateOf = (lang) => (states[lang] ||= { version: null, dirty: false, inFlight: false, conflict: null });
  const current = () => stateOf(language);
  const say = (text) => { if (stateLine) stateLine.textContent = text; };
  const keepLocal = (lang, code, state) => {
    if (!leaving) writeLocal(userId, draftIdOf(lang), { code, base: state.version, dirty: state.dirty });
  };

  function setEditor(code) {
    applying = true;
    try { editor().setCode(code); } finally { applying = false; }
  }

  // GET the server's drafts of this problem (all languages) once, before the editor opens
  async function load() {
    if (!onServer) return;
    try {
      const { data } = await api(`/drafts/${encodeURIComponent(problemId)}`);
      for (const item of (data && data.items) || []) server[item.language] = { code: item.code, version: item.version };
      serverKnown = true;
    } catch (err) {
      // offline, busy or logged out: this browser's copy stands in
      if (err instanceof ApiError && err.status === 401) ended = true;
    }
  }

  // this browser's copy, for the read-only view while the editor loads
  function localCode(lang) {
    const local = readLocal(userId, draftIdOf(lang));
    return local ? local.code : null;
  }

  function showConflict(lang, other) {
    const state = stateOf(lang);
    state.conflict = other;
    if (lang !== language || !conflictBox) return;
    conflictBox.hidden = false;
    say("");
  }

  function hideConflict() {
    if (conflictBox) conflictBox.hidden = true;
  }

  // the code to open `lang` with (null: the starter), deciding between server and browser
  // (call `leave()` first when switching language)
  function open(lang) {
    language = lang;
    hideConflict();
    const state = stateOf(lang);
    state.conflict = null;
    const local = readLocal(userId, draftIdOf(lang));
    const remote = server[lang] || (serverKnown ? { code: null, version: 0 } : null);
    if (remote === null) {  // the server did not answer: this browser's copy, as before
      if (local) { state.version = local.base ?? (local.legacy ? 0 : null); state.dirty = local.dirty; }
      if (state.dirty) schedule();
      return local ? local.code : null;
    }
    state.version = remote.version;
    if (local && local.dirty && local.code !== remote.code) {
      if (local.legacy && remote.code != null) {
        // a copy from before drafts were on the server: the server's newer one wins, once
        removeLocal(userId, draftIdOf(lang));
        return remote.code;
      }
      state.dirty = true;
      if (local.legacy || local.base === remote.version) {
        schedule();  // edits made here on top of the server's version: send them
      } else {
        showConflict(lang, remote);  // both changed: the learner chooses
      }
      return local.code;
    }
    state.dirty = false;
    if (remote.code == null) { removeLocal(userId, draftIdOf(lang)); return null; }
    keepLocal(lang, remote.code, state);
    return remote.code;
  }

  function schedule(delay = SAVE_AFTER_MS) {
    clearTimeout(timer);
    const wait = Math.max(delay, lastSaveAt + MIN_GAP_MS - Date.now(), retryAt - Date.now());
    timer = setTimeout(() => flush(), wait);
  }

  // the editor's text changed
  function changed(code) {
    if (applying || language === null) return;
    const state = current();
    state.dirty = true;
    keepLocal(language, code, state);
    if (ended) { say(WORDS.ended); return; }
    say("");
    if (!state.conflict) schedule();
  }

  async function flush({ keepalive = false, lang = language, code = null } = {}) {
    const state = stateOf(lang);
    if (!onServer || !state.dirty || state.inFlight || state.conflict || ended || leaving && !keepalive) return;
    clearTimeout(timer);
    const sent = code ?? editor().getCode();
    state.inFlight = true;
    lastSaveAt = Date.now();
    try {
      const { data } = await api(`/drafts/${encodeURIComponent(problemId)}/${encodeURIComponent(lang)}`, {
        method: "PUT", body: { code: sent, baseVersion: state.version ?? 0 }, keepalive,
      });
      state.version = data.version;
      server[lang] = { code: sent, version: data.version };
      retryAt = 0;
      const now = lang === language ? editor().getCode() : sent;
      state.dirty = now !== sent;
      keepLocal(lang, now, state);
      if (bc) bc.postMessage({ type: "saved", userId, problemId, language: lang, version: data.version, code: sent });
      if (lang === language) { if (state.dirty) schedule(); else say(WORDS.saved); }
    } catch (err) {
      failed(err, lang, state, sent);
    } finally {
      state.inFlight = false;
    }
  }

  function failed(err, lang, state, sent) {
    const status = err instanceof ApiError ? err.status : 0;
    const error = err instanceof ApiError ? err : null;
    if (status === 412 && error.info && error.info.current) {
      const other = error.info.current;
      server[lang] = { code: other.code, version: other.version };
      if (other.code === sent) {  // the same code: nothing to choose
        state.version = other.version;
        state.dirty = lang === language && editor().getCode() !== sent;
        if (state.dirty) schedule();
        return;
      }
      showConflict(lang, other);
      return;
    }
    if (status === 401) { sessionEnded(); return; }
    if (status === 413) { if (lang === language) say(WORDS.tooLong); return; }
    // the puzzle closed (a challenge ended, a level locked again): keep it here, stop trying
    if (status === 403 || status === 404 || status === 422) { if (lang === language) say(WORDS.local); return; }
    // offline, busy (429, 503) or anything else: the copy here keeps it; try again later
    retryAt = Date.now() + (status === 429 || status === 503 ? retryAfterSeconds(error.retryAfter, 10) * 1000 : RETRY_MS);
    if (lang === language) { say(WORDS.local); schedule(); }
  }

  // before switching language or leaving the page: send what is not saved yet
  function leave(keepalive = false) {
    if (language === null) return;
    const state = current();
    if (state.dirty && !state.inFlight) flush({ keepalive, lang: language, code: editor().getCode() });
  }

  // the learner chose in the conflict box
  async function keepMine() {
    const state = current();
    if (!state.conflict) return;
    state.version = state.conflict.version;
    state.conflict = null;
    state.dirty = true;
    hideConflict();
    await flush();
  }

  function useOther() {
    const state = current();
    const other = state.conflict;
    if (!other) return;
    state.conflict = null;
    state.version = other.version;
    state.dirty = false;
    hideConflict();
    const code = other.code ?? starterOf(language);
    setEditor(code);
    if (other.code == null) removeLocal(userId, draftIdOf(language));
    else keepLocal(language, code, state);
    say(WORDS.saved);
    editor().focus();
  }

  // Reset: back to the starter code, here and on the server
  async function reset() {
    const lang = language;
    const state = current();
    clearTimeout(timer);
    setEditor(starterOf(lang));
    state.dirty = false;
    state.conflict = null;
    hideConflict();
    removeLocal(userId, draftIdOf(lang));
    if (ended) return;
    try {
      const { data } = await api(`/drafts/${encodeURIComponent(problemId)}/${encodeURIComponent(lang)}`, { method: "DELETE" });
      state.version = data.version;
      server[lang] = { code: null, version: data.version };
      if (bc) bc.postMessage({ type: "saved", userId, problemId, language: lang, version: data.version, code: null });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) sessionEnded();
    }
  }

  // the session ended (a 401 here, or a logout in another tab): say so kindly, keep the code
  function sessionEnded() {
    ended = true;
    clearTimeout(timer);
    if (language !== null) {
      const state = current();
      if (state.dirty) keepLocal(language, editor().getCode(), state);
      say(state.dirty ? WORDS.ended : "");
    }
    if (endedBox) {
      const link = endedBox.querySelector("a");
      if (link) link.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      endedBox.hidden = false;
    }
    return WORDS.endedStatus;
  }

  // another tab of this browser saved or logged out
  if (bc) {
    bc.addEventListener("message", (event) => {
      const msg = event.data || {};
      if (msg.type === "logout") { if (!leaving) sessionEnded(); return; }
      if (msg.type !== "saved" || msg.userId !== userId || msg.problemId !== problemId) return;
      const state = stateOf(msg.language);
      if (state.version !== null && msg.version <= state.version) return;
      if (state.dirty || state.inFlight) {  // both changed: ask now rather than at the next save
        const mine = msg.language === language ? editor().getCode() : null;
        if (mine !== msg.code) showConflict(msg.language, { code: msg.code, version: msg.version });
        return;
      }
      state.version = msg.version;  // nothing unsaved here: follow the other tab
      server[msg.language] = { code: msg.code, version: msg.version };
      if (msg.language === language) setEditor(msg.code ?? starterOf(language));
    });
  }

  // a logout from this page: finish saving first, and keep nothing in this browser after it
  document.addEventListener("coderunner:logout", (event) => {
    if (language !== null && current().dirty && !ended && event.detail) event.detail.wait(flush({ keepalive: true }));
    leaving = true;
  });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") leave(true); });
  window.addEventListener("pagehide", () => leave(true));
  const keep = $("draft-keep");
  const other = $("draft-other");
  if (keep) keep.addEventListener("click", () => keepMine());
  if (other) other.addEventListener("click", () => useOther());

  return { load, localCode, open, changed, reset, sessionEnded, leave };
}
