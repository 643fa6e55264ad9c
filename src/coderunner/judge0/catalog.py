"""Judge0's fixed tables: the language ids we answer to and the statuses (Judge0 CE 1.13)."""

from __future__ import annotations

from dataclasses import dataclass

from coderunner.sandbox import Language, registry


@dataclass(frozen=True, slots=True)
class Judge0Language:
    id: int
    key: str  # our languages.yaml key
    label: str  # how Judge0 names the language, before the version


# Judge0 CE 1.13 ids: the current ones (92, 93, 91) and the older ones clients still hard-code
# (71 Python 3.8, 63 Node.js 12, 62 OpenJDK 13). All run our one version of each language.
LANGUAGES: tuple[Judge0Language, ...] = (
    Judge0Language(92, "python", "Python"),
    Judge0Language(71, "python", "Python"),
    Judge0Language(93, "javascript", "JavaScript (Node.js"),
    Judge0Language(63, "javascript", "JavaScript (Node.js"),
    Judge0Language(91, "java", "Java (OpenJDK"),
    Judge0Language(62, "java", "Java (OpenJDK"),
)

STATUSES: dict[int, str] = {
    1: "In Queue",
    2: "Processing",
    3: "Accepted",
    4: "Wrong Answer",
    5: "Time Limit Exceeded",
    6: "Compilation Error",
    7: "Runtime Error (SIGSEGV)",
    8: "Runtime Error (SIGXFSZ)",
    9: "Runtime Error (SIGFPE)",
    10: "Runtime Error (SIGABRT)",
    11: "Runtime Error (NZEC)",
    12: "Runtime Error (Other)",
    13: "Internal Error",
    14: "Exec Format Error",
}


def enabled() -> list[tuple[Judge0Language, Language]]:
    """The Judge0 languages whose runtime is enabled here, current ids first."""
    ours = registry()
    return [(j, ours[j.key]) for j in LANGUAGES if j.key in ours and ours[j.key].enabled]


def by_id(language_id: int) -> tuple[Judge0Language, Language] | None:
    return next(((j, lang) for j, lang in enabled() if j.id == language_id), None)


def name(j: Judge0Language, lang: Language) -> str:
    """ "Python (3.11)", "JavaScript (Node.js 20)", "Java (OpenJDK 17)"."""
    if "(" in j.label:
        return f"{j.label} {lang.version})"
    return f"{j.label} ({lang.version})"


def describe(j: Judge0Language, lang: Language) -> dict[str, object]:
    """GET /languages/{id}: Judge0's fields, with our sandbox's file and commands."""
    return {
        "id": j.id,
        "name": name(j, lang),
        "is_archived": False,
        "source_file": lang.file_name,
        "compile_cmd": " ".join(lang.argv(lang.compile)) if lang.compile else None,
        "run_cmd": " ".join(lang.argv(lang.run)),
    }
