// The language picker of a problem that may be solved in several languages: the learner's
// choice is remembered per problem in this browser, and each language keeps its own draft.
const PREFIX = "coderunner:language";

const choiceKey = (data) => `${PREFIX}:${data.userId}:${data.problemId}`;

// the languages this problem allows, its own first
export function languagesOf(data) {
  return Array.isArray(data.languages) && data.languages.length ? data.languages : [data.language || "python"];
}

// the language to start with: the one chosen last time, if the problem still allows it
export function chosenLanguage(data) {
  const allowed = languagesOf(data);
  let stored = null;
  try { stored = window.localStorage.getItem(choiceKey(data)); } catch { /* storage off */ }
  return stored && allowed.includes(stored) ? stored : allowed[0];
}

// drafts of the problem's own language keep their old key (drafts saved before the picker)
export function draftId(data, language) {
  return language === languagesOf(data)[0] ? data.problemId : `${data.problemId}:${language}`;
}

export function starterOf(data, language) {
  const starters = data.starters || {};
  return starters[language] ?? (language === data.language ? data.starterCode : "") ?? "";
}

// wire the <select id="language-choice"> (present only when there is a choice); `onChange`
// gets the new language after the choice is stored
export function setupLanguagePicker(data, onChange) {
  const select = document.getElementById("language-choice");
  if (!select) return;
  select.value = data.language;
  select.addEventListener("change", () => {
    const language = select.value;
    if (!languagesOf(data).includes(language)) return;
    try { window.localStorage.setItem(choiceKey(data), language); } catch { /* storage off */ }
    onChange(language);
  });
}
