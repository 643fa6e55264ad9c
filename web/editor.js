// The Code Runner editor: CodeMirror 6 with Python, JavaScript and Java, bundled by esbuild into
// src/coderunner/web/static/build/editor.js (`npm run build`). The page modules import
// `createEditor` from that file; nothing here touches the network or storage.
import { EditorState, Prec } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, dropCursor, rectangularSelection, highlightSpecialChars,
} from "@codemirror/view";
import {
  defaultKeymap, history, historyKeymap, indentWithTab, insertNewlineAndIndent,
} from "@codemirror/commands";
import {
  indentOnInput, bracketMatching, foldGutter, foldKeymap, syntaxHighlighting,
  HighlightStyle, indentUnit,
} from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { python } from "@codemirror/lang-python";
import { javascript } from "@codemirror/lang-javascript";
import { java } from "@codemirror/lang-java";
import {
  autocompletion, closeBrackets, closeBracketsKeymap, closeCompletion, completionKeymap,
} from "@codemirror/autocomplete";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";

const theme = EditorView.theme({
  "&": {
    fontSize: "var(--code-font-size, 16px)",
    backgroundColor: "var(--editor-bg, #fff)",
    color: "var(--editor-fg, #1a1a1a)",
    border: "2px solid var(--border, #888)",
    borderRadius: "8px",
    minHeight: "14rem",
  },
  "&.cm-focused": { outline: "3px solid var(--focus, #1d4ed8)", outlineOffset: "2px" },
  ".cm-scroller": { fontFamily: "var(--code-font, ui-monospace, monospace)", lineHeight: "1.5" },
  ".cm-content": { minHeight: "14rem", caretColor: "var(--editor-fg, #1a1a1a)" },
  ".cm-gutters": {
    backgroundColor: "var(--editor-gutter, #f3f3f3)",
    color: "var(--editor-gutter-fg, #555)",
    borderRight: "1px solid var(--border, #888)",
  },
  ".cm-activeLine": { backgroundColor: "var(--editor-active, rgba(0,0,0,0.04))" },
  ".cm-activeLineGutter": {
    backgroundColor: "var(--editor-active, rgba(0,0,0,0.04))",
    color: "var(--editor-fg, #1a1a1a)",
  },
});

// syntax colours come from CSS variables, so each character theme (light or dark) sets its own
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword],
    color: "var(--syn-keyword, #7c3aed)", fontWeight: "600" },
  { tag: [t.string, t.special(t.string)], color: "var(--syn-string, #15803d)" },
  { tag: [t.number, t.bool, t.null], color: "var(--syn-number, #b45309)" },
  { tag: [t.comment, t.lineComment], color: "var(--syn-comment, #6b7280)", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "var(--syn-function, #1d4ed8)" },
  { tag: [t.definition(t.variableName), t.definition(t.function(t.variableName))], color: "var(--syn-definition, #0f766e)" },
  { tag: [t.className, t.typeName], color: "var(--syn-class, #a21caf)" },
  { tag: [t.operator, t.punctuation, t.bracket], color: "var(--syn-punctuation, inherit)" },
  { tag: t.invalid, color: "var(--syn-invalid, #b91c1c)" },
]);

// Esc then Tab leaves the editor, always: Esc closes the completion popup and turns on tab-focus
// mode with no time limit (CodeMirror's own lasts 2 s, and an Esc that closes the popup does not
// start it); the next key other than Tab, Shift or Esc, or leaving the editor, turns it off.
const MODIFIERS = ["Shift", "Control", "Alt", "Meta"];
const escapeThenTab = [
  Prec.highest(keymap.of([{
    key: "Escape",
    run: (view) => { closeCompletion(view); view.setTabFocusMode(true); return true; },
  }])),
  EditorView.domEventHandlers({
    keydown: (event, view) => {
      if (event.key !== "Tab" && event.key !== "Escape" && !MODIFIERS.includes(event.key)) {
        view.setTabFocusMode(false);
      }
      return false;
    },
    blur: (event, view) => { view.setTabFocusMode(false); return false; },
  }),
];

// the learner's languages: their syntax mode (Python is the default)
const MODES = { python, javascript, java };

/**
 * Make an editor inside `parent`.
 * options: doc (string), language ("python" | "javascript" | "java"), label (accessible name),
 * nonce (CSP nonce for injected styles), onRun (called on Ctrl/Cmd+Enter), onChange (called
 * with the new text).
 * Returns {view, getCode, setCode, focus}.
 */
export function createEditor(parent, options = {}) {
  const {
    doc = "", language = "python", label = "Code editor", nonce = "", onRun = null, onChange = null,
  } = options;
  const mode = (MODES[language] || python)();
  const runKeys = keymap.of([
    { key: "Mod-Enter", preventDefault: true, run: () => { if (onRun) onRun(); return true; } },
  ]);
  const changes = EditorView.updateListener.of((update) => {
    if (update.docChanged && onChange) onChange(update.state.doc.toString());
  });
  const extensions = [
    escapeThenTab,
    runKeys,
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    indentUnit.of("    "),
    EditorState.tabSize.of(4),
    syntaxHighlighting(highlight),
    bracketMatching(),
    closeBrackets(),
    autocompletion(),
    rectangularSelection(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    keymap.of([
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      ...completionKeymap,
      indentWithTab,
      { key: "Enter", run: insertNewlineAndIndent },
    ]),
    mode,
    theme,
    changes,
    EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true" }),
  ];
  if (nonce) extensions.push(EditorView.cspNonce.of(nonce));
  const view = new EditorView({ state: EditorState.create({ doc, extensions }), parent });
  return {
    view,
    getCode: () => view.state.doc.toString(),
    setCode: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus(),
  };
}
