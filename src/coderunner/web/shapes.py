"""Reading the API's JSON for the pages, tolerant of fields a page can live without."""

from __future__ import annotations

from typing import Any

from .views import items


def level_number(level: dict[str, Any]) -> int:
    for key in ("levelNumber", "number", "level"):
        value = level.get(key)
        if isinstance(value, int):
            return value
    return 0


def level_state(level: dict[str, Any]) -> str:
    """'completed', 'locked' or 'open'."""
    named = str(level.get("state") or level.get("status") or "").lower()
    if named in {"completed", "complete", "done"}:
        return "completed"
    if named == "locked":
        return "locked"
    if level.get("completed"):
        return "completed"
    if level.get("locked") or level.get("unlocked") is False:
        return "locked"
    return "open"


def split_level(body: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """GET /levels/{ag}/{n} → (level, problems), whether problems sit beside or inside it."""
    if not isinstance(body, dict):
        return {}, []
    inner = body.get("level")
    level: dict[str, Any] = inner if isinstance(inner, dict) else body
    problems = items(body, "problems") or items(level, "problems")
    problems = sorted(problems, key=lambda p: (p.get("order") or 0, str(p.get("title", ""))))
    return level, problems


def problem_progress(progress: Any) -> dict[str, dict[str, Any]]:
    """GET /progress → {problemId: that problem's progress row}."""
    rows = items(progress, "problems")
    result: dict[str, dict[str, Any]] = {}
    for row in rows:
        if isinstance(row, dict):
            pid = row.get("problemId") or row.get("id")
            if pid is not None:
                result[str(pid)] = row
    return result


def problem_status(row: dict[str, Any] | None) -> str:
    """'solved', 'attempted' or 'new'."""
    if not row:
        return "new"
    status = str(row.get("status", "")).lower()
    if row.get("solved") or status in {"solved", "completed"}:
        return "solved"
    if status in {"attempted", "in_progress", "started"} or row.get("attempts"):
        return "attempted"
    return "new"


def expected_output(test: dict[str, Any]) -> str:
    for key in ("expectedOutput", "output", "expected"):
        value = test.get(key)
        if isinstance(value, str):
            return value
    return ""


def normalise_test(test: dict[str, Any]) -> dict[str, Any]:
    """A test case as the templates use it: name, input, output, hidden."""
    return {
        "name": str(test.get("name") or ""),
        "input": str(test.get("input") or ""),
        "output": expected_output(test),
        "hidden": bool(test.get("hidden")),
    }


def visible_tests(problem: dict[str, Any]) -> list[dict[str, Any]]:
    tests = items(problem, "tests", "visibleTests", "examples")
    return [normalise_test(t) for t in tests if isinstance(t, dict) and not t.get("hidden")]


def merge_level_progress(levels: list[dict[str, Any]], progress: Any) -> list[dict[str, Any]]:
    """Levels with `solvedCount`/`problemCount` filled from GET /progress's per-level rows."""
    rows = {
        (str(r.get("ageGroup")), r.get("levelNumber")): r
        for r in items(progress, "levels")
        if isinstance(r, dict)
    }
    merged = []
    for level in levels:
        row = rows.get((str(level.get("ageGroup")), level_number(level)))
        extra: dict[str, Any] = {}
        if row:
            extra["solvedCount"] = row.get("solved", 0)
            extra["problemCount"] = level.get("problemCount") or row.get("totalProblems", 0)
        merged.append({**level, **extra})
    return merged


def hints(problem: dict[str, Any]) -> list[str]:
    return [h if isinstance(h, str) else str(h.get("text", "")) for h in items(problem, "hints")]


def merge_level_states(levels: list[dict[str, Any]], states: Any) -> list[dict[str, Any]]:
    """Levels with the learner's lock state and completion (GET /learning/levels/{ageGroup})."""
    by_number = {r.get("number"): r for r in items(states, "levels") if isinstance(r, dict)}
    merged = []
    for level in levels:
        row = by_number.get(level_number(level))
        if row is None:
            merged.append(level)
            continue
        merged.append(
            {
                **level,
                "locked": bool(row.get("locked")),
                "completed": bool(row.get("completed")),
                "unlockedByTeacher": bool(row.get("unlockedByTeacher")),
                "solvedCount": row.get("solved", level.get("solvedCount", 0)),
                "problemCount": row.get("total") or level.get("problemCount", 0),
            }
        )
    return merged
