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

from coderunner.grading import COMPARISON_MODES
from coderunner.kernel.ages import AGE_GROUPS
from coderunner.problems.schemas import ProblemAdminOut, ProblemPage, ProblemSummary
from coderunner.progress.schemas import LearnersOut

from ..api_client import ApiError, wire
from ..checking import check_solution
from ..csrf import check_header
from ..markdown import render_markdown
from ..templating import render
from ..views import api, require_teacher
from .forms import read_form, text

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


def problem_from_form(form: FormData) -> dict[str, Any]:
    """The API's problem body from the editor form (blank test rows are dropped)."""
    tests: list[dict[str, Any]] = []
    for i in range(MAX_TEST_ROWS):
        if f"test-{i}-output" not in form:
            continue
        test_input = text(form, f"test-{i}-input").replace("\r\n", "\n")
        output = text(form, f"test-{i}-output").replace("\r\n", "\n")
        if not test_input and not output:
            continue
        tests.append(
            {
                "name": text(form, f"test-{i}-name").strip() or f"Test {len(tests) + 1}",
                "input": test_input,
                "expectedOutput": output,
                "hidden": text(form, f"test-{i}-hidden") == "on",
            }
        )
    mode = text(form, "comparison")
    tolerance_text = text(form, "tolerance") or "1e-6"
    try:
        tolerance = float(tolerance_text)
    except ValueError:
        tolerance = 1e-6
    return {
        "id": text(form, "id").strip(),
        "title": text(form, "title").strip(),
        "ageGroup": text(form, "ageGroup"),
        "levelNumber": _int(text(form, "levelNumber"), 1),
        "order": _int(text(form, "order"), 1),
        "difficulty": text(form, "difficulty") or "easy",
        "xp": _int(text(form, "xp"), 10),
        "concepts": [c.strip() for c in text(form, "concepts").split(",") if c.strip()],
        "statement": text(form, "statement").replace("\r\n", "\n"),
        "starterCode": text(form, "starterCode").replace("\r\n", "\n"),
        "hints": [h.strip() for h in text(form, "hints").split("\n") if h.strip()],
        "comparison": {
            "mode": mode if mode in COMPARISON_MODES else "trailing",
            "tolerance": tolerance,
        },
        "language": "python",
        "referenceSolution": text(form, "referenceSolution").replace("\r\n", "\n"),
        "tests": tests,
    }


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
        }
        for t in problem.get("tests") or []
    ]
    rows += [{"name": "", "input": "", "output": "", "hidden": False}] * BLANK_TEST_ROWS
    context = {
        "problem": problem,
        "test_rows": rows,
        "editing": editing,
        "modes": COMPARISON_MODES,
        "difficulties": DIFFICULTIES,
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
    blank = {"ageGroup": "", "levelNumber": 1, "order": 1, "difficulty": "easy", "xp": 10}
    blank["comparison"] = {"mode": "trailing", "tolerance": 1e-6}
    return _editor(request, blank, editing=False)


async def edit_problem(request: Request) -> Response:
    await require_teacher(request)
    problem_id = quote(str(request.path_params["problem_id"]))
    problem = await api(request).read(ProblemAdminOut, f"/problems/{problem_id}/full")
    return _editor(request, wire(problem), editing=True)


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
    if editing:
        # the form does not carry the limits and rules, and saving keeps the stored ones:
        # the check grades with those, as submissions to the saved problem will be
        stored = await api(request).read(
            ProblemAdminOut, f"/problems/{quote(str(problem_id))}/full"
        )
        checked = {**problem, "limits": stored.limits, "rules": stored.rules}
    try:
        checks = await check_solution(api(request), checked)
    except ApiError as exc:
        if exc.status not in (400, 413, 422):
            raise
        return _editor(
            request, problem, editing=editing, errors=[exc.message], status_code=exc.status
        )
    failing = [c for c in checks if not c.passed]
    if failing or text(form, "action") == "check":
        status = 422 if failing else 200
        return _editor(request, problem, editing=editing, checks=checks, status_code=status)
    try:
        if editing:
            payload = {k: v for k, v in problem.items() if k != "id"}
            await api(request).patch(f"/problems/{quote(str(problem_id))}", payload)
        else:
            if not problem["id"]:
                problem["id"] = slugify(problem["title"])
            await api(request).post("/problems", problem)
    except ApiError as exc:
        if exc.status not in (400, 409, 413, 422):
            raise
        return _editor(
            request, problem, editing=editing, errors=[exc.message], status_code=exc.status
        )
    return RedirectResponse("/teach/problems?saved=" + (problem.get("id") or ""), status_code=303)


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
    Route("/teach/problems", problem_list),
    Route("/teach/problems/new", new_problem, methods=["GET"]),
    Route("/teach/problems/new", save_problem, methods=["POST"]),
    Route("/teach/problems/{problem_id}/edit", edit_problem, methods=["GET"]),
    Route("/teach/problems/{problem_id}/edit", save_problem, methods=["POST"]),
    Route("/teach/problems/{problem_id}/delete", delete_problem, methods=["POST"]),
    Route("/teach/preview", preview, methods=["POST"]),
    Route("/teach/learners", learners),
    Route("/teach/learners/unlock", unlock_level, methods=["POST"]),
]
