// The teacher's problem editor: live statement preview (sanitised by the server) and
// a button to add more test rows.
import { csrfToken } from "./api.js";

const statement = document.getElementById("statement");
const preview = document.getElementById("statement-preview");
let timer = null;

async function refreshPreview() {
  const response = await fetch("/teach/preview", {
    method: "POST",
    headers: { "Content-Type": "text/plain; charset=utf-8", "X-CSRF-Token": csrfToken() },
    body: statement.value,
    credentials: "same-origin",
  });
  // the server renders Markdown and sanitises it with nh3; it is safe to insert as HTML
  if (response.ok) preview.innerHTML = await response.text();
}

if (statement && preview) {
  statement.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, 300);
  });
}

const rows = document.getElementById("test-rows");
const add = document.getElementById("add-test");
if (rows && add) {
  add.hidden = false;
  add.addEventListener("click", () => {
    const template = rows.lastElementChild;
    const index = rows.children.length;
    const clone = template.cloneNode(true);
    for (const node of clone.querySelectorAll("[id], [name], [for]")) {
      for (const attr of ["id", "name", "for"]) {
        const value = node.getAttribute(attr);
        if (value) node.setAttribute(attr, value.replace(/^test-\d+-/, `test-${index}-`));
      }
      if (node.tagName === "TEXTAREA" || (node.tagName === "INPUT" && node.type !== "checkbox")) node.value = "";
      if (node.type === "checkbox") node.checked = false;
    }
    rows.append(clone);
    clone.querySelector("textarea").focus();
  });
}

const deleteForm = document.getElementById("delete-form");
if (deleteForm) {
  deleteForm.addEventListener("submit", (event) => {
    if (!window.confirm("Delete this problem for everyone? Learners' progress on it goes too.")) {
      event.preventDefault();
    }
  });
}
