"""Teacher and admin pages: problems (list, create, edit with a sandbox check) and learners."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from coderunner.grading.schemas import COMPARISON_MODES, DRAWING
from coderunner.kernel.ages import AGE_GROUPS
from coderunner.levels.schemas import LevelDetail
from coderunner.problems.schemas import ProblemAdminOut, ProblemOut, ProblemPage, ProblemSummary
from coderunner.progress.schemas import LearnersOut
from coderunner.sandbox import registry

from ..api_client import ApiError, wire
from ..characters import character_for, voice_for
from ..checking import check_solution
from ..csrf import check_header
from ..markdown import render_markdown
from ..starters import name_of, starter_for
from ..templating import render
from ..views import api, gather, require_teacher
from .forms import read_form, text
from .teach_errors import friendly, friendly_message

LEARNERS_PATH = "/progress/learners"
DIFFICULTIES = ("easy", "medium", "hard")
BLANK_TEST_ROWS = 2
PAGE_SIZE = 100  # the API's maximum page size
MAX_LIST_PAGES = 20
MAX_TEST_ROWS = 60


def slugify(title: str) -> str:
    """A problem id from its title: lowercase words joined by dashes, plus a short suffix."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    base = "-".join(words)[:60].strip("-") or "problem"
    return f"{base}-{secrets.token_hex(2)}"


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def authoring_languages() -> list[dict[str, Any]]:
    """The languages a problem may be written in (enabled in languages.yaml), Python first:
    `{"id", "name", "drawing"}` (drawing: the turtle works in it)."""
    found = [
        {"id": key, "name": name_of(key), "drawing": language.drawing}
        for key, language in registry().items()
        if language.enabled
    ]
    return sorted(found, key=lambda lang: (lang["id"] != "python", lang["name"]))


def _code(form: FormData, name: str) -> str:
    return text(form, name).replace("\r\n", "\n")


def _tests_from_form(form: FormData, *, drawing: bool) -> list[dict[str, Any]]:
    tests: list[dict[str, Any]] = []
    for i in range(MAX_TEST_ROWS):
        if f"test-{i}-output" not in form and f"test-{i}-input" not in form:
            continue
        test_input = _code(form, f"test-{i}-input")
        output = "" if drawing else _code(form, f"test-{i}-output")
        name = text(form, f"test-{i}-name").strip()
        hint = text(form, f"test-{i}-hint").strip()
        # a drawing test may have no input at all: a row the teacher named still counts
        if not test_input and not output and not (drawing and name):
            continue
        test: dict[str, Any] = {
            "name": name or f"Test {len(tests) + 1}",
            "input": test_input,
            "expectedOutput": output,
            "hidden": text(form, f"test-{i}-hidden") == "on",
        }
        if hint:
            test["hint"] = hint[:500]
        tests.append(test)
    return tests


def problem_from_form(form: FormData) -> dict[str, Any]:
    """The API's problem body from the editor form (blank test rows are dropped)."""
    mode = text(form, "comparison")
    drawing = mode == DRAWING
    tolerance_text = text(form, "tolerance") or "1e-6"
    try:
        tolerance = float(tolerance_text)
    except ValueError:
        tolerance = 1e-6
    comparison: dict[str, Any] = {
        "mode": mode if mode in COMPARISON_MODES or drawing else "trailing",
        "tolerance": tolerance,
    }
    if drawing:
        comparison["colours"] = text(form, "colours") == "on"
    language = text(form, "language") or "python"
    others = {
        lang["id"]: {
            "starterCode": _code(form, f"also-{lang['id']}-starterCode"),
            "solution": _code(form, f"also-{lang['id']}-solution"),
        }
        for lang in authoring_languages()
        if lang["id"] != language and text(form, f"also-{lang['id']}") == "on"
    }
    return {
        "id": text(form, "id").strip(),
        "title": text(form, "title").strip(),
        "ageGroup": text(form, "ageGroup"),
        "levelNumber": _int(text(form, "levelNumber"), 1),
        "order": _int(text(form, "order"), 1),
        "difficulty": text(form, "difficulty") or "easy",
        "xp": _int(text(form, "xp"), 10),
        "concepts": [c.strip() for c in text(form, "concepts").split(",") if c.strip()],
        "statement": _code(form, "statement"),
        "starterCode": _code(form, "starterCode"),
        "hints": [h.strip() for h in text(form, "hints").split("\n") if h.strip()],
        "comparison": comparison,
        "language": language,
        "otherLanguages": others,
        "referenceSolution": _code(form, "referenceSolution"),
        "isPublished": text(form, "isPublished") == "on",
        "tests": _tests_from_form(form, drawing=drawing),
    }


def _language_errors(problem: dict[str, Any]) -> list[str]:
    languages = {lang["id"]: lang for lang in authoring_languages()}
    chosen = languages.get(problem["language"])
    if chosen is None:
        return ["Pick the language learners write it in."]
    errors = []
    if problem["comparison"]["mode"] == DRAWING:
        if not chosen["drawing"]:
            errors.append(
                f"Turtle drawings work in Python only. Pick Python, or check the printed "
                f"output of the {chosen['name']} program."
            )
        if problem["otherLanguages"]:
            errors.append("A turtle drawing is drawn in Python only: untick the other languages.")
    for key, variant in problem["otherLanguages"].items():
        if not variant["solution"].strip():
            errors.append(
                f"Add the {languages[key]['name']} solution: it is checked on the tests too."
            )
    return errors


def _form_errors(problem: dict[str, Any]) -> list[str]:
    errors = []
    if not problem["title"]:
        errors.append("Give the problem a title.")
    if problem["ageGroup"] not in AGE_GROUPS:
        errors.append("Pick an age group.")
    if not problem["statement"].strip():
        errors.append("Write the statement: what should the learner's program do?")
    if not problem["referenceSolution"].strip():
        errors.append("Add a reference solution; it is checked in the sandbox before saving.")
    errors += _language_errors(problem)
    if not problem["tests"]:
        errors.append("Add at least one test (input and expected output).")
    elif all(t["hidden"] for t in problem["tests"]):
        errors.append("Make at least one test visible, so learners see an example.")
    return errors


def _editor(
    request: Request,
    problem: dict[str, Any],
    *,
    editing: bool,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    # the API's tests (`TestCaseOut`) and the form's (`TestCaseIn`) both carry these keys
    rows = [
        {
            "name": t["name"],
            "input": t["input"],
            "output": t["expectedOutput"],
            "hidden": t["hidden"],
            "hint": t.get("hint") or "",
        }
        for t in problem.get("tests") or []
    ]
    rows += [{"name": "", "input": "", "output": "", "hidden": False, "hint": ""}] * (
        BLANK_TEST_ROWS
    )
    checks = [c for group in extra.get("check_groups") or [] for c in group["checks"]]
    context = {
        "problem": problem,
        "test_rows": rows,
        "check_total": len(checks),
        "check_failed": sum(not c.passed for c in checks),
        "editing": editing,
        "modes": COMPARISON_MODES,
        "difficulties": DIFFICULTIES,
        "languages": authoring_languages(),
        "statement_html": render_markdown(problem.get("statement", "")),
        **extra,
    }
    return render(request, "teach_edit.html", context, status_code=status_code)


async def problem_list(request: Request) -> Response:
    await require_teacher(request)
    age_group = request.query_params.get("ageGroup")
    params: dict[str, Any] = {"ageGroup": age_group if age_group in AGE_GROUPS else None}
    problems: list[ProblemSummary] = []
    for page in range(1, MAX_LIST_PAGES + 1):
        body = await api(request).read(
            ProblemPage, "/problems", page=page, pageSize=PAGE_SIZE, **params
        )
        problems += body.items
        if len(body.items) < PAGE_SIZE or len(problems) >= body.total:
            break
    problems.sort(key=lambda p: (p.age_group, p.level_number, p.order))
    context = {
        "problems": [wire(p) for p in problems],
        "age_group": params["ageGroup"],
        "saved": None,
    }
    context["saved"] = request.query_params.get("saved")
    return render(request, "teach_problems.html", context)


async def new_problem(request: Request) -> Response:
    await require_teacher(request)
    blank: dict[str, Any] = {
        "ageGroup": "",
        "levelNumber": 1,
        "order": 1,
        "difficulty": "easy",
        "xp": 10,
        "language": "python",
        "otherLanguages": {},
        "isPublished": True,
        "comparison": {"mode": "trailing", "tolerance": 1e-6},
    }
    return _editor(request, blank, editing=False)


async def edit_problem(request: Request) -> Response:
    await require_teacher(request)
    problem_id = quote(str(request.path_params["problem_id"]), safe="")
    problem = await api(request).read(ProblemAdminOut, f"/problems/{problem_id}/full")
    return _editor(request, wire(problem), editing=True)


async def _check_all(request: Request, problem: dict[str, Any]) -> list[dict[str, Any]]:
    """Each language's solution graded on the tests, at once: `{"language", "name", "checks"}`
    per language, the problem's own first."""
    solutions = [(problem["language"], problem["referenceSolution"])]
    solutions += [(key, v["solution"]) for key, v in problem["otherLanguages"].items()]
    results = await gather(
        *(check_solution(api(request), problem, key, code) for key, code in solutions)
    )
    return [
        {"language": key, "name": name_of(key), "checks": checks}
        for (key, _), checks in zip(solutions, results, strict=True)
    ]


async def save_problem(request: Request) -> Response:
    await require_teacher(request)
    form = await read_form(request)
    problem_id = request.path_params.get("problem_id")
    editing = problem_id is not None
    problem = problem_from_form(form)
    if editing:
        problem["id"] = problem_id
    errors = _form_errors(problem)
    if errors:
        return _editor(request, problem, editing=editing, errors=errors, status_code=422)
    checked = problem
    try:
        if editing:
            # the form does not carry the limits and rules, and saving keeps the stored ones:
            # the check grades with those, as submissions to the saved problem will be
            stored = await api(request).read(
                ProblemAdminOut, f"/problems/{quote(str(problem_id), safe='')}/full"
            )
            checked = {**problem, "limits": stored.limits, "rules": stored.rules}
        groups = await _check_all(request, checked)
    except ApiError as exc:
        return _kept(request, problem, exc, editing=editing)
    failing = [c for group in groups for c in group["checks"] if not c.passed]
    if failing or text(form, "action") == "check":
        status = 422 if failing else 200
        return _editor(request, problem, editing=editing, check_groups=groups, status_code=status)
    try:
        if editing:
            payload = {k: v for k, v in problem.items() if k != "id"}
            await api(request).patch(f"/problems/{quote(str(problem_id), safe='')}", payload)
        else:
            if not problem["id"]:
                problem["id"] = slugify(problem["title"])
            await api(request).post("/problems", problem)
    except ApiError as exc:
        return _kept(request, problem, exc, editing=editing)
    return RedirectResponse(
        "/teach/problems?saved=" + quote(problem.get("id") or "", safe=""), status_code=303
    )


def _kept(request: Request, problem: dict[str, Any], exc: ApiError, *, editing: bool) -> Response:
    """The editor again with everything the teacher wrote, and why nothing was saved: the work
    is never lost to a refusal or an outage."""
    if exc.status in (401, 403, 404):
        raise exc  # not signed in, not theirs, or gone: the friendly error page says so
    response = _editor(
        request,
        problem,
        editing=editing,
        errors=[friendly_message(exc) + " Nothing was saved; your work is still here."],
        status_code=exc.status if 400 <= exc.status < 600 else 502,
    )
    if exc.retry_after:
        response.headers["retry-after"] = exc.retry_after
    return response


async def problem_preview(request: Request) -> Response:
    """The problem page as a learner of its age group sees it (drafts too), marked as a
    preview. It is built from the API's learner view (`GET /problems/{id}`), which never carries
    hidden tests or the solution; only staff reach a draft's."""
    user = await require_teacher(request)
    problem_id = quote(str(request.path_params["problem_id"]), safe="")
    problem_out, stored = await gather(
        api(request).read(ProblemOut, f"/problems/{problem_id}"),
        api(request).read(ProblemAdminOut, f"/problems/{problem_id}/full"),
    )
    age_group, number = problem_out.age_group, problem_out.level_number
    try:
        detail: LevelDetail | None = await api(request).read(
            LevelDetail, f"/levels/{age_group}/{number}"
        )
    except ApiError as exc:
        if exc.status != 404:
            raise
        detail = None  # a problem filed under a level that does not exist yet
    summaries = sorted(detail.problems, key=lambda p: (p.order, p.title)) if detail else []
    if all(p.id != problem_out.id for p in summaries):
        summaries.append(problem_out)
    language = problem_out.language
    tests = [
        {"name": t.name, "input": t.input, "output": t.expected_output} for t in problem_out.tests
    ]
    character = character_for(None)  # a learner's own character is theirs: the default here
    page_data = {
        "problemId": problem_out.id,
        # the preview's code is kept apart from the teacher's own tries at the problem
        "userId": f"preview-{user.get('id', '')}",
        "preview": True,  # drafts.js keeps the preview's code in this browser, not the teacher's
        "ageGroup": age_group,
        "levelNumber": number,
        "starterCode": starter_for(language, problem_out.starter_code),
        "language": language,
        "languages": problem_out.languages or [language],
        "starters": {name: starter_for(name, code) for name, code in problem_out.starters.items()},
        "hints": [str(hint) for hint in problem_out.hints],
        "exampleInput": tests[0]["input"] if tests else "",
        "voice": voice_for(character, age_group, ""),
        "nextUrl": f"/teach/problems/{problem_id}/edit",
    }
    context = {
        "age_group": age_group,
        "level": {"number": number, "title": detail.title if detail else ""},
        "number": number,
        "problems": [wire(p) for p in summaries],
        "problem": wire(problem_out),
        "tests": tests,
        "status_of": lambda p: "new",
        "cheatsheets": [],
        "page_data": page_data,
        "model_solution": None,
        "language_name": name_of(language),
        "language_choices": [(name, name_of(name)) for name in problem_out.languages or [language]],
        "preview": {
            "edit_url": f"/teach/problems/{problem_id}/edit",
            "age_label": age_group.replace("-", " to "),
            "draft": not stored.is_published,
        },
    }
    return render(request, "problem.html", context, user=user)


async def delete_problem(request: Request) -> Response:
    await require_teacher(request)
    await read_form(request)
    await api(request).delete(f"/problems/{quote(str(request.path_params['problem_id']))}")
    return RedirectResponse("/teach/problems", status_code=303)


async def preview(request: Request) -> Response:
    """Markdown → sanitised HTML for the editor's live preview (JSON-free, CSRF header)."""
    await require_teacher(request)
    check_header(request)
    source = (await request.body()).decode("utf-8", errors="replace")[:100_000]
    return HTMLResponse(str(render_markdown(source)))


async def _require_admin(request: Request) -> None:
    """The server-wide learner list is for admins; teachers see their classes' learners."""
    user = await require_teacher(request)
    if user.get("role") != "admin":
        raise ApiError(
            403, "FORBIDDEN", "This page is for admins. Your classes list your learners."
        )


async def learners(request: Request) -> Response:
    await _require_admin(request)
    age_group = request.query_params.get("ageGroup")
    rows: list[dict[str, Any]] = []
    try:
        body = await api(request).read(
            LearnersOut, LEARNERS_PATH, ageGroup=age_group if age_group in AGE_GROUPS else None
        )
    except ApiError as exc:
        if exc.status != 404:
            raise
        unavailable = True
    else:
        rows, unavailable = [wire(row) for row in body.learners], False
    context: dict[str, Any] = {"learners": rows, "age_group": age_group}
    context["unavailable"] = unavailable
    context["unlocked"] = request.query_params.get("unlocked")
    return render(request, "teach_learners.html", context)


async def unlock_level(request: Request) -> Response:
    """An admin opens a level for one learner (POST /learning/unlocks)."""
    await _require_admin(request)
    form = await read_form(request)
    age_group = text(form, "ageGroup")
    number = _int(text(form, "levelNumber"), 0)
    if age_group not in AGE_GROUPS or number < 1:
        raise ApiError(422, "BAD_LEVEL", "Pick an age group and a level number.")
    body = {"userId": text(form, "userId"), "ageGroup": age_group, "levelNumber": number}
    await api(request).post("/learning/unlocks", body)
    name = quote(text(form, "name") or "the learner")
    return RedirectResponse(f"/teach/learners?unlocked={name}+%C2%B7+level+{number}", 303)


routes = [
    Route(path, friendly(endpoint), methods=methods)
    for path, endpoint, methods in [
        ("/teach/problems", problem_list, ["GET"]),
        ("/teach/problems/new", new_problem, ["GET"]),
        ("/teach/problems/new", save_problem, ["POST"]),
        ("/teach/problems/{problem_id}/edit", edit_problem, ["GET"]),
        ("/teach/problems/{problem_id}/edit", save_problem, ["POST"]),
        ("/teach/problems/{problem_id}/preview", problem_preview, ["GET"]),
        ("/teach/problems/{problem_id}/delete", delete_problem, ["POST"]),
        ("/teach/preview", preview, ["POST"]),
        ("/teach/learners", learners, ["GET"]),
        ("/teach/learners/unlock", unlock_level, ["POST"]),
    ]
]
