// The turtle's drawing: a canvas that replays what the program drew, step by step.
//
// A run's result carries `drawing` ({commands, turtles, truncated}, see sandbox/drawing.py)
// when the program used `import turtle`. The panel animates it at the chosen speed (the slider;
// 10 draws at once) and draws at once for people who ask for less motion. The canvas says how
// far it got in data-drawn / data-total, in how many frames (data-frames), and data-done="1"
// at the end.

const SPEEDS = [4, 8, 15, 30, 60, 120, 240, 600, 2000, Infinity]; // steps per second
const MARGIN = 20;
const DEFAULT_HALF = 200; // the world shown is at least -200..200 each way
const reduceMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

let state = null; // the drawing being shown: {drawing, index, frame, last, carry}

function $(id) { return document.getElementById(id); }

function bounds(drawing) {
  let minX = -DEFAULT_HALF, maxX = DEFAULT_HALF, minY = -DEFAULT_HALF, maxY = DEFAULT_HALF;
  const take = (x, y, r = 0) => {
    minX = Math.min(minX, x - r); maxX = Math.max(maxX, x + r);
    minY = Math.min(minY, y - r); maxY = Math.max(maxY, y + r);
  };
  for (const c of drawing.commands) {
    if (c[0] === "L") { take(c[1], c[2]); take(c[3], c[4]); }
    else if (c[0] === "F") { for (const [x, y] of c[1]) take(x, y); }
    else if (c[0] === "D") take(c[1], c[2], c[3] / 2);
    else if (c[0] === "W") take(c[1], c[2], c[6]);
    else if (c[0] === "P") take(c[1] / 2, c[2] / 2), take(-c[1] / 2, -c[2] / 2);
  }
  for (const t of drawing.turtles || []) take(t[0], t[1], 10);
  return { minX, maxX, minY, maxY };
}

function view(canvas, drawing) {
  const box = bounds(drawing);
  const w = box.maxX - box.minX, h = box.maxY - box.minY;
  const scale = Math.min((canvas.width - 2 * MARGIN) / w, (canvas.height - 2 * MARGIN) / h);
  const ox = (canvas.width - w * scale) / 2, oy = (canvas.height - h * scale) / 2;
  return {
    scale,
    x: (x) => ox + (x - box.minX) * scale,
    y: (y) => canvas.height - oy - (y - box.minY) * scale,
  };
}

function background(ctx, canvas, colour) {
  ctx.save();
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.restore();
}

function drawCommand(ctx, canvas, v, c) {
  switch (c[0]) {
    case "L":
      ctx.strokeStyle = c[6];
      ctx.lineWidth = Math.max(1, c[5] * v.scale);
      ctx.lineCap = "round";
      ctx.beginPath();
      ctx.moveTo(v.x(c[1]), v.y(c[2]));
      ctx.lineTo(v.x(c[3]), v.y(c[4]));
      ctx.stroke();
      return [c[3], c[4]];
    case "F":
      ctx.fillStyle = c[2];
      ctx.beginPath();
      c[1].forEach(([x, y], i) => (i ? ctx.lineTo(v.x(x), v.y(y)) : ctx.moveTo(v.x(x), v.y(y))));
      ctx.closePath();
      ctx.fill("evenodd");
      return null;
    case "D":
      ctx.fillStyle = c[4];
      ctx.beginPath();
      ctx.arc(v.x(c[1]), v.y(c[2]), Math.max(0.5, (c[3] / 2) * v.scale), 0, 2 * Math.PI);
      ctx.fill();
      return [c[1], c[2]];
    case "W":
      ctx.fillStyle = c[4];
      ctx.font = `${Math.max(6, c[6] * v.scale * 1.3)}px sans-serif`;
      ctx.textAlign = c[5];
      ctx.textBaseline = "alphabetic";
      ctx.fillText(c[3], v.x(c[1]), v.y(c[2]));
      return [c[1], c[2]];
    case "B":
      background(ctx, canvas, c[1]);
      return null;
    default:
      return null;
  }
}

function arrow(ctx, v, at, heading, colour) {
  const x = v.x(at[0]), y = v.y(at[1]);
  const a = (-heading * Math.PI) / 180;
  const point = (r, da) => [x + r * Math.cos(a + da), y + r * Math.sin(a + da)];
  ctx.fillStyle = colour;
  ctx.strokeStyle = "#ffffff";
  ctx.beginPath();
  ctx.moveTo(...point(10, 0));
  ctx.lineTo(...point(7, 2.5));
  ctx.lineTo(...point(7, -2.5));
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

// the turtle on its own canvas above the drawing: while drawing, then where each one ended
function cursors(layer, v, turtles) {
  const ctx = layer.getContext("2d");
  ctx.clearRect(0, 0, layer.width, layer.height);
  for (const t of turtles) if (t.shown) arrow(ctx, v, t.at, t.heading, t.colour);
}

function stepsPerSecond() {
  if (reduceMotion && reduceMotion.matches) return Infinity;
  const slider = $("drawing-speed");
  const speed = slider ? Number(slider.value) : 6;
  return SPEEDS[Math.min(Math.max(speed, 1), 10) - 1];
}

function describe(drawing) {
  const count = (kind) => drawing.commands.filter((c) => c[0] === kind).length;
  const parts = [];
  const lines = count("L"), fills = count("F"), dots = count("D"), words = count("W");
  if (lines) parts.push(`${lines} line${lines === 1 ? "" : "s"}`);
  if (fills) parts.push(`${fills} filled shape${fills === 1 ? "" : "s"}`);
  if (dots) parts.push(`${dots} dot${dots === 1 ? "" : "s"}`);
  if (words) parts.push(`${words} text${words === 1 ? "" : "s"}`);
  return parts.length ? `Your turtle's drawing: ${parts.join(", ")}.` : "Your turtle drew nothing.";
}

function tick(now) {
  if (!state) return;
  const { drawing, canvas, ctx, layer, v } = state;
  const total = drawing.commands.length;
  const rate = stepsPerSecond();
  let take;
  if (rate === Infinity) take = total - state.index;
  else {
    state.carry += state.last === null ? 1 : ((now - state.last) / 1000) * rate;
    // never more than a frame's share at once, even after a long pause (a busy computer)
    take = Math.min(Math.floor(state.carry), Math.ceil(rate / 30));
    state.carry = Math.min(state.carry - take, 1);
  }
  state.last = now;
  for (let i = 0; i < take && state.index < total; i += 1) {
    const c = drawing.commands[state.index];
    const at = drawCommand(ctx, canvas, v, c);
    if (at) state.at = at;
    if (c[0] === "L") state.heading = (Math.atan2(c[4] - c[2], c[3] - c[1]) * 180) / Math.PI;
    state.index += 1;
  }
  canvas.dataset.drawn = String(state.index);
  if (take > 0) canvas.dataset.frames = String(Number(canvas.dataset.frames) + 1);
  if (state.index < total) {
    cursors(layer, v, [{ at: state.at, heading: state.heading, colour: "#2e7d32", shown: true }]);
    state.frame = requestAnimationFrame(tick);
    return;
  }
  cursors(layer, v, (drawing.turtles || []).map((t) => ({ at: [t[0], t[1]], heading: t[2], shown: t[4], colour: t[5] })));
  canvas.dataset.done = "1";
  state.frame = null;
}

function stop() {
  if (state && state.frame) cancelAnimationFrame(state.frame);
}

function start(drawing) {
  stop();
  const canvas = $("drawing-canvas");
  const layer = $("drawing-turtles");
  const ctx = canvas.getContext("2d");
  const v = view(canvas, drawing);
  background(ctx, canvas, "#ffffff");
  layer.getContext("2d").clearRect(0, 0, layer.width, layer.height);
  canvas.dataset.total = String(drawing.commands.length);
  canvas.dataset.drawn = "0";
  canvas.dataset.frames = "0"; // how many frames drew something: the animation's steps
  canvas.dataset.done = "0";
  canvas.setAttribute("aria-label", describe(drawing));
  state = { drawing, canvas, ctx, layer, v, index: 0, frame: null, last: null, carry: 0, at: [0, 0], heading: 0 };
  state.frame = requestAnimationFrame(tick);
}

/** Show a run's drawing in the panel (hidden when there is none). */
export function showDrawing(drawing) {
  const panel = $("drawing-panel");
  if (!panel) return;
  if (!drawing) { hideDrawing(); return; }
  panel.hidden = false;
  const note = $("drawing-note");
  note.hidden = !drawing.truncated;
  note.textContent = drawing.truncated ? "The drawing was too big: this is the first part of it." : "";
  start(drawing);
}

export function hideDrawing() {
  stop();
  state = null;
  const panel = $("drawing-panel");
  if (panel) panel.hidden = true;
}

/** From a submission's tests: the first visible test's drawing that failed, else the first. */
export function submissionDrawing(submission) {
  const tests = (submission && submission.tests) || [];
  const drawn = tests.filter((t) => t.drawing);
  const failed = drawn.find((t) => !t.passed);
  return (failed || drawn[0] || {}).drawing || null;
}

export function setupDrawing() {
  const again = $("drawing-again");
  if (again) again.addEventListener("click", () => { if (state) start(state.drawing); });
}
