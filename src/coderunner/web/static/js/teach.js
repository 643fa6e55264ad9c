// The teacher's problem editor: live statement preview (sanitised by the server), code
// editors for the code fields, the language and drawing choices, and a button to add test rows.
import { csrfToken } from "./api.js";
import { setupCodeEditors } from "./teach_code.js";

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

// the language learners write it in: its own "also in" box is not offered, and the starter and
// solution editors highlight it; a turtle drawing needs no expected output
const form = document.getElementById("problem-form");
const languageChoice = document.getElementById("language");
const comparison = document.getElementById("comparison");
const colours = document.getElementById("colours");

function showLanguageBoxes() {
  for (const box of document.querySelectorAll(".also-language")) {
    box.hidden = box.dataset.language === languageChoice.value;
  }
}

function showDrawingFields() {
  const drawing = comparison.value === "drawing";
  for (const output of document.querySelectorAll(".test-output")) output.hidden = drawing;
  if (colours) colours.closest("label").hidden = !drawing;
  const also = document.getElementById("also-languages");
  if (also) also.hidden = drawing;
}

if (form && languageChoice && comparison) {
  showLanguageBoxes();
  showDrawingFields();
  comparison.addEventListener("change", showDrawingFields);
  const editors = await setupCodeEditors(form, form.dataset.bundle, () => languageChoice.value);
  languageChoice.addEventListener("change", () => {
    showLanguageBoxes();
    editors.setMainLanguage(languageChoice.value);
  });
  form.dataset.editorsReady = "true";
}
