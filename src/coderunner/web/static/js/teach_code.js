// The teacher's code fields as real code editors: the problem page's CodeMirror bundle
// (build/editor.js, served from here) over each <textarea data-code-editor>. The textarea stays
// in the form (hidden) and is kept in step, so the form posts exactly what the editor shows;
// without JavaScript, or if the bundle fails to load, the plain textarea still works.
// Esc then Tab leaves an editor, as on the problem page (web/editor.js).

const nonceMeta = document.querySelector('meta[name="csp-nonce"]');

function labelOf(textarea) {
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  return label ? label.textContent.trim() : textarea.name;
}

// each field's editor: {textarea, host, editor, language}
const fields = [];

function mount(createEditor, field) {
  if (field.editor) field.editor.view.destroy();
  field.editor = createEditor(field.host, {
    doc: field.textarea.value,
    language: field.language,
    label: `${labelOf(field.textarea)} (code editor)`,
    nonce: nonceMeta ? nonceMeta.content : "",
    onChange: (code) => { field.textarea.value = code; },
  });
}

/**
 * Turn every `textarea[data-code-editor]` inside `form` into an editor. `mainLanguage()` is the
 * language of fields marked "main" (the problem's own language); the others name theirs.
 * Returns {setMainLanguage(language)} to rebuild the main fields in another language's mode.
 */
export async function setupCodeEditors(form, bundleUrl, mainLanguage) {
  const areas = [...form.querySelectorAll("textarea[data-code-editor]")];
  if (!areas.length) return { setMainLanguage() {} };
  let createEditor;
  try {
    ({ createEditor } = await import(bundleUrl));
  } catch (err) {
    console.warn("code editor did not load; the plain boxes stay", err);
    return { setMainLanguage() {} };
  }
  for (const textarea of areas) {
    const kind = textarea.dataset.codeEditor;
    const host = document.createElement("div");
    host.className = "editor teach-editor";
    host.dataset.for = textarea.id;
    textarea.after(host);
    // the server checks what is required; a hidden required field would block the form
    textarea.required = false;
    textarea.hidden = true;
    const field = { textarea, host, editor: null, kind, language: kind === "main" ? mainLanguage() : kind };
    mount(createEditor, field);
    fields.push(field);
    // the textarea's label now names the editor: a click on it goes there
    const label = document.querySelector(`label[for="${textarea.id}"]`);
    if (label) label.addEventListener("click", (event) => { event.preventDefault(); field.editor.focus(); });
  }
  return {
    setMainLanguage(language) {
      for (const field of fields) {
        if (field.kind !== "main" || field.language === language) continue;
        field.language = language;
        mount(createEditor, field);
      }
    },
  };
}
