// The class dashboard, live: the grid and the "needs help" list follow the class's event
// stream (GET /api/classes/{id}/events): a `progress` event carries the whole grid, a
// `learner` event only the row of a learner whose code just finished.
// Everything is built with DOM nodes and textContent.

const dataNode = document.getElementById("page-data");
const data = dataNode ? JSON.parse(dataNode.textContent) : {};
const body = document.getElementById("class-grid-body");
const helpList = document.getElementById("needs-help");
const liveState = document.getElementById("live-state");

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function cellLink(grid, learner, problem) {
  const cell = learner.cells[problem.id];
  const status = cell ? cell.status : "not_started";
  const symbol = status === "solved" ? "✓" : status === "attempted" ? String(cell.attempts) : "·";
  const label = `${learner.username}, ${problem.title}: ${status.replace("_", " ")}` +
    (cell ? `, ${cell.attempts} tries` : "");
  return el("a", {
    class: `cell cell-${status}`,
    "data-problem": problem.id,
    href: `/teach/classes/${encodeURIComponent(grid.classId)}/learners/${encodeURIComponent(learner.id)}/problems/${encodeURIComponent(problem.id)}`,
    "aria-label": label,
  }, symbol);
}

function renderGrid(grid) {
  if (!body) return;
  const rows = [];
  for (const learner of grid.learners) {
    const row = el("tr", { "data-learner": learner.id });
    if (learner.needsHelp) row.className = "needs-help";
    const name = el("th", { scope: "row" }, learner.username);
    if (learner.needsHelp) {
      name.append(" ");
      name.append(el("span", { class: "help-flag" }, "needs help"));
    }
    row.append(name, el("td", {}, learner.openLevels.join(", ")));
    for (const problem of grid.problems) {
      const td = el("td");
      td.append(cellLink(grid, learner, problem));
      row.append(td);
    }
    rows.push(row);
  }
  if (rows.length === 0) {
    const td = el("td", { colspan: String(grid.problems.length + 2), class: "muted" },
      "No learners yet: make accounts below or share the join code.");
    const row = el("tr");
    row.append(td);
    rows.push(row);
  }
  body.replaceChildren(...rows);

  if (helpList) {
    const items = [];
    for (const learner of grid.learners) {
      for (const reason of learner.help) {
        const li = el("li");
        li.append(el("strong", {}, learner.username), `: ${reason.message}`);
        items.push(li);
      }
    }
    if (items.length === 0) items.push(el("li", { class: "muted" }, "Nobody right now."));
    helpList.replaceChildren(...items);
  }
}

function counted() {
  if (liveState) liveState.textContent = "(live)";
  document.documentElement.dataset.gridUpdates = String(
    Number(document.documentElement.dataset.gridUpdates || "0") + 1,
  );
}

if (data.classId && "EventSource" in window) {
  const source = new EventSource(`/api/classes/${encodeURIComponent(data.classId)}/events`);
  let current = null;
  source.addEventListener("progress", (event) => {
    current = JSON.parse(event.data);
    renderGrid(current);
    counted();
  });
  source.addEventListener("learner", (event) => {
    if (!current) return; // the whole grid comes first
    const row = JSON.parse(event.data).learner;
    const at = current.learners.findIndex((learner) => learner.id === row.id);
    if (at === -1) return; // a new learner shows at the next whole grid
    current.learners[at] = row;
    renderGrid(current);
    counted();
  });
  source.addEventListener("error", () => {
    // EventSource reconnects by itself; say so quietly
    if (liveState) liveState.textContent = "(reconnecting…)";
  });
}

// the challenge form's times are the teacher's local time: tell the server the offset
const tz = document.getElementById("tz-offset");
if (tz) tz.value = String(new Date().getTimezoneOffset());
