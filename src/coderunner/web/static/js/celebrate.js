// The celebration moment: a solve, new badges, a level that opened, a streak milestone, told
// once with the learner's character. The server records the events (GET /celebrations lists
// the unseen ones); the dialog shows every waiting event at once and marks them seen as it
// opens, so a reload does not show them again. Sound only when the learner switched it on
// (kept in this browser); the animation is CSS, off under prefers-reduced-motion.
import { api } from "./api.js";

const SOUND_KEY = "coderunner:sounds";
const dialog = document.getElementById("celebration");

function soundsOn() {
  try { return window.localStorage.getItem(SOUND_KEY) === "on"; } catch { return false; }
}

function setSounds(on) {
  try { window.localStorage.setItem(SOUND_KEY, on ? "on" : "off"); } catch { /* storage off */ }
}

/** A short rising chime, made here with WebAudio (no sound files). */
export function chime() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    const audio = new Context();
    const start = audio.currentTime + 0.02;
    [523.25, 659.25, 783.99].forEach((frequency, i) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      const at = start + i * 0.12;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.45);
    });
    setTimeout(() => audio.close().catch(() => {}), 1500);
  } catch { /* no sound is fine */ }
}

/** What to say for one event: short sentences a young child can read. */
export function eventText(event) {
  switch (event.kind) {
    case "solved": return event.number ? `You solved “${event.title}”! +${event.number} XP` : `You solved “${event.title}”!`;
    case "badge": return `New badge: ${event.title}!`;
    case "level_open": return `Level ${event.number} is open!`;
    case "streak": return `${event.number} days in a row!`;
    default: return "";
  }
}

function item(event) {
  const li = document.createElement("li");
  li.className = `celebration-item celebration-${event.kind}`;
  li.append(document.createTextNode(eventText(event)));
  if (event.kind === "level_open" && event.ageGroup) {
    const link = document.createElement("a");
    link.href = `/levels/${encodeURIComponent(event.ageGroup)}/${encodeURIComponent(event.number)}`;
    link.textContent = `Go to level ${event.number}`;
    li.append(" ", link);
  }
  return li;
}

let returnTo = null;

/** The events worth a line, the solve first, then what it brought. */
function worthTelling(events) {
  const order = { solved: 0, level_open: 1, badge: 2, streak: 3 };
  return events
    .filter((e) => eventText(e))
    .sort((a, b) => (order[a.kind] ?? 9) - (order[b.kind] ?? 9) || a.id - b.id);
}

function show(events, fallback) {
  const title = dialog.querySelector("#celebration-title");
  const list = dialog.querySelector("#celebration-list");
  title.textContent = events.length === 1 ? eventText(events[0]) : "Look what you did!";
  list.replaceChildren(...events.map(item));
  list.hidden = events.length === 1 && events[0].kind !== "level_open";
  // focus goes back where it was; from a button the job disabled, back to `fallback`
  const active = document.activeElement;
  returnTo = !active || active === document.body || active.disabled ? fallback : active;
  dialog.showModal();
  if (soundsOn()) chime();
}

let checking = null;

async function check(fallback) {
  const { data } = await api("/celebrations");
  const events = worthTelling((data && data.events) || []);
  if (!events.length) return null;
  // seen first, then shown: once it is on the screen a reload never brings it back
  await api("/celebrations/seen", { method: "POST", body: { ids: events.map((e) => e.id) } });
  return () => { if (!dialog.open) show(events, fallback); };
}

const nothing = () => {};

/** Ask what the learner has not been told yet (a solve, badges, a level, a streak); resolves
 *  to a function that opens the moment (a no-op when there is nothing to tell), so a page can
 *  show its own result first and the moment at once after it. `returnTo`: where focus goes on
 *  closing when the focused control was disabled meanwhile (the Submit button). */
export async function prepareCelebration(returnTo = null) {
  if (!dialog || dialog.open) return nothing;
  if (!checking) {
    checking = check(returnTo)
      .catch(() => null)  // a celebration never gets in the learner's way
      .finally(() => { checking = null; });
  }
  return (await checking) || nothing;
}

/** Show what the learner has not been told yet, now (as a page opens). */
export async function celebrate() {
  (await prepareCelebration())();
}

function setup() {
  const close = dialog.querySelector("#celebration-close");
  const sound = dialog.querySelector("#celebration-sound");
  const paint = () => {
    const on = soundsOn();
    sound.setAttribute("aria-pressed", on ? "true" : "false");
    sound.textContent = on ? "Sounds: on" : "Sounds: off";
  };
  paint();
  sound.addEventListener("click", () => {
    setSounds(!soundsOn());
    paint();
    if (soundsOn()) chime();
  });
  close.addEventListener("click", () => dialog.close());
  // Esc closes a modal dialog by itself; either way focus goes back where it was, without
  // scrolling: the results the page brought into view stay in view
  dialog.addEventListener("close", () => {
    if (returnTo && returnTo.isConnected && typeof returnTo.focus === "function") {
      returnTo.focus({ preventScroll: true });
    }
    returnTo = null;
  });
  celebrate();
}

if (dialog && typeof dialog.showModal === "function") setup();
