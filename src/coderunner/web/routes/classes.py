"""Class pages: a teacher's classes, a class's live dashboard, login cards, a learner's cell;
and the learner's "join a class" form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coderunner.classes.schemas import (
    CellDetailOut,
    ChallengeResultsOut,
    ChallengesOut,
    ClassDetailOut,
    ClassesOut,
    ClassOut,
    CreatedAccountsOut,
    GridOut,
    PasswordOut,
)
from coderunner.kernel.ages import AGE_GROUPS

from ..api_client import ApiError, parse, wire
from ..checking import check_solution
from ..templating import render
from ..views import api, gather, require_teacher, require_user
from .forms import read_form, text
from .teach_errors import friendly

MAX_NAMES = 40


def _class_path(request: Request) -> str:
    return "/classes/" + quote(str(request.path_params["class_id"]), safe="")


async def _listed(request: Request, user: dict[str, Any]) -> ClassesOut:
    if user.get("role") == "admin":
        return await api(request).read(ClassesOut, "/classes", all="true")
    return await api(request).read(ClassesOut, "/classes")


async def class_list(request: Request) -> Response:
    """The teacher's home: their classes (an admin's: every class) and a form to make one."""
    user = await require_teacher(request)
    body = await _listed(request, user)
    context = {"classes": [wire(c) for c in body.classes], "errors": []}
    return render(request, "teach_classes.html", context, user=user)


async def create_class(request: Request) -> Response:
    user = await require_teacher(request)
    form = await read_form(request)
    name = text(form, "name").strip()
    age_group = text(form, "ageGroup")
    errors = []
    if not name:
        errors.append("Give the class a name, for example “Class 4B”.")
    if age_group not in AGE_GROUPS:
        errors.append("Pick the age group of the class.")
    if errors:
        body = await _listed(request, user)
        context = {"classes": [wire(c) for c in body.classes], "errors": errors}
        return render(request, "teach_classes.html", context, status_code=422, user=user)
    made = parse(
        ClassOut, await api(request).post("/classes", {"name": name[:64], "ageGroup": age_group})
    )
    return RedirectResponse(f"/teach/classes/{quote(made.id, safe='')}", 303)


async def class_page(request: Request) -> Response:
    """The dashboard: join code, live grid, who needs help, unlocks, accounts."""
    user = await require_teacher(request)
    path = _class_path(request)
    detail, grid, challenges = await gather(
        api(request).read(ClassDetailOut, path),
        api(request).read(GridOut, path + "/progress"),
        api(request).read(ChallengesOut, path + "/challenges"),
    )
    context: dict[str, Any] = {
        "klass": wire(detail),
        "grid": wire(grid),
        "challenges": [wire(c) for c in challenges.challenges],
        "page_data": {"classId": detail.id},
        "notice": request.query_params.get("notice"),
    }
    return render(request, "teach_class.html", context, user=user)


def _names(raw: str) -> list[str]:
    return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]


async def create_accounts(request: Request) -> Response:
    """Make the accounts and answer with their login cards: the passwords are shown this once."""
    user = await require_teacher(request)
    form = await read_form(request)
    names = _names(text(form, "names"))
    path = _class_path(request)
    if not names or len(names) > MAX_NAMES:
        message = f"Write between 1 and {MAX_NAMES} first names, one per line."
        raise ApiError(422, "BAD_NAMES", message)
    created = parse(
        CreatedAccountsOut, await api(request).post(path + "/learners", {"names": names})
    )
    detail = await api(request).read(ClassDetailOut, path)
    cards = [wire(account) for account in created.accounts]
    context = {"klass": wire(detail), "cards": cards, "fresh": True}
    return render(request, "class_cards.html", context, user=user)


async def cards(request: Request) -> Response:
    """Cards for every learner, without passwords (those were shown when made or reset)."""
    user = await require_teacher(request)
    detail = await api(request).read(ClassDetailOut, _class_path(request))
    cards = [{"username": learner.username} for learner in detail.learners]
    context = {"klass": wire(detail), "cards": cards, "fresh": False}
    return render(request, "class_cards.html", context, user=user)


async def reset_password(request: Request) -> Response:
    user = await require_teacher(request)
    await read_form(request)
    learner_id = quote(str(request.path_params["learner_id"]), safe="")
    path = _class_path(request)
    done = parse(PasswordOut, await api(request).post(f"{path}/learners/{learner_id}/password", {}))
    detail = await api(request).read(ClassDetailOut, path)
    context = {"klass": wire(detail), "cards": [wire(done)], "fresh": True}
    return render(request, "class_cards.html", context, user=user)


async def remove_learner(request: Request) -> Response:
    await require_teacher(request)
    await read_form(request)
    learner_id = quote(str(request.path_params["learner_id"]), safe="")
    await api(request).delete(f"{_class_path(request)}/learners/{learner_id}")
    class_id = quote(str(request.path_params["class_id"]), safe="")
    return RedirectResponse(f"/teach/classes/{class_id}?notice=removed", 303)


async def set_unlock(request: Request) -> Response:
    """Open or take back a level, for one learner or the class."""
    await require_teacher(request)
    form = await read_form(request)
    try:
        number = int(text(form, "levelNumber"))
    except ValueError:
        raise ApiError(422, "BAD_LEVEL", "Pick a level.") from None
    learner_id = text(form, "learnerId") or None
    path = _class_path(request)
    if text(form, "action") == "lock":
        await api(request).request(
            "DELETE", f"{path}/unlocks/{number}", params={"learnerId": learner_id}
        )
        notice = "relocked"
    else:
        body: dict[str, Any] = {"levelNumber": number}
        if learner_id:
            body["learnerId"] = learner_id
        await api(request).post(f"{path}/unlocks", body)
        notice = "unlocked"
    class_id = quote(str(request.path_params["class_id"]), safe="")
    return RedirectResponse(f"/teach/classes/{class_id}?notice={notice}", 303)


async def cell(request: Request) -> Response:
    """A learner's latest code and results on one problem, read-only."""
    user = await require_teacher(request)
    learner_id = quote(str(request.path_params["learner_id"]), safe="")
    problem_id = quote(str(request.path_params["problem_id"]), safe="")
    path = _class_path(request)
    detail, found = await gather(
        api(request).read(ClassDetailOut, path),
        api(request).read(CellDetailOut, f"{path}/learners/{learner_id}/problems/{problem_id}"),
    )
    context = {"klass": wire(detail), "found": wire(found)}
    return render(request, "class_cell.html", context, user=user)


async def add_teacher(request: Request) -> Response:
    await require_teacher(request)
    form = await read_form(request)
    username = text(form, "username").strip()[:64]
    if not username:
        raise ApiError(422, "BAD_USERNAME", "Type the other teacher's username.")
    await api(request).post(_class_path(request) + "/teachers", {"username": username})
    class_id = quote(str(request.path_params["class_id"]), safe="")
    return RedirectResponse(f"/teach/classes/{class_id}?notice=teacher", 303)


async def update_settings(request: Request) -> Response:
    """When a learner shows as needing help: N tries at one puzzle, M minutes without a solve."""
    await require_teacher(request)
    form = await read_form(request)
    try:
        failures = int(text(form, "helpFailures"))
        idle = int(text(form, "helpIdleMinutes"))
    except ValueError:
        raise ApiError(422, "BAD_NUMBER", "Write a whole number in each box.") from None
    body = {"helpFailures": failures, "helpIdleMinutes": idle}
    await api(request).patch(_class_path(request), body)
    class_id = quote(str(request.path_params["class_id"]), safe="")
    return RedirectResponse(f"/teach/classes/{class_id}?notice=settings", 303)


def _form_time(value: str, offset_minutes: int) -> str | None:
    """A `datetime-local` value in the teacher's browser time (offset from JS; UTC without)."""
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        return None
    if local.tzinfo is not None:
        return local.isoformat()
    return (local.replace(tzinfo=UTC) + timedelta(minutes=offset_minutes)).isoformat()


NEW_TEST_ROWS = 3
COMPARISON = {"mode": "trailing", "tolerance": 1e-6}  # the default, as on the API


def _new_puzzle(form: FormData) -> dict[str, Any] | None:
    """The puzzle written in the challenge form, or None when its fields are all empty."""

    def field(name: str) -> str:
        return text(form, f"new-{name}").replace("\r\n", "\n")

    tests: list[dict[str, Any]] = []
    for i in range(NEW_TEST_ROWS):
        test_input, output = field(f"test-{i}-input"), field(f"test-{i}-output")
        if test_input or output:
            tests.append(
                {
                    "name": f"Test {len(tests) + 1}",
                    "input": test_input,
                    "expectedOutput": output,
                    "hidden": text(form, f"new-test-{i}-hidden") == "on",
                }
            )
    puzzle = {
        "title": field("title").strip()[:200],
        "statement": field("statement"),
        "starterCode": field("starterCode"),
        "hints": [h.strip() for h in field("hints").split("\n") if h.strip()],
        "referenceSolution": field("referenceSolution"),
        "tests": tests,
    }
    filled = any(puzzle[k] for k in ("title", "statement", "referenceSolution", "tests"))
    return puzzle if filled else None


def _puzzle_errors(puzzle: dict[str, Any]) -> list[str]:
    errors = []
    if not puzzle["title"]:
        errors.append("New puzzle: give it a title.")
    if not puzzle["statement"].strip():
        errors.append("New puzzle: say what the program should do.")
    if not puzzle["referenceSolution"].strip():
        errors.append("New puzzle: add your solution, so we can check the tests with it.")
    if not puzzle["tests"]:
        errors.append("New puzzle: add at least one test (an input and its output).")
    elif all(t["hidden"] for t in puzzle["tests"]):
        errors.append("New puzzle: leave at least one test visible, so learners see an example.")
    return errors


async def _challenge_form(
    request: Request, draft: dict[str, Any], *, errors: list[str], checks: Any = None
) -> Response:
    """The form again with the teacher's answers kept, and what to fix."""
    user = await require_teacher(request)
    path = _class_path(request)
    detail, grid = await gather(
        api(request).read(ClassDetailOut, path), api(request).read(GridOut, path + "/progress")
    )
    context: dict[str, Any] = {
        "klass": wire(detail),
        "grid": wire(grid),
        "draft": draft,
        "challenge_errors": errors,
        "checks": checks,
        "new_test_rows": NEW_TEST_ROWS,
    }
    return render(request, "class_challenge_form.html", context, status_code=422, user=user)


async def create_challenge(request: Request) -> Response:
    await require_teacher(request)
    form = await read_form(request)
    try:
        offset = max(-900, min(900, int(text(form, "tzOffset") or "0")))
    except ValueError:
        offset = 0
    opens = _form_time(text(form, "opensAt"), offset)
    closes = _form_time(text(form, "closesAt"), offset)
    problem_ids = [v for v in form.getlist("problemIds") if isinstance(v, str) and v]
    title = text(form, "title").strip()[:80]
    puzzle = _new_puzzle(form)
    draft = {
        "title": title,
        "problemIds": problem_ids,
        "opensAt": text(form, "opensAt"),
        "closesAt": text(form, "closesAt"),
        "contest": text(form, "contest") == "on",
        "new": puzzle or {},
    }
    errors = []
    if not title:
        errors.append("Give the challenge a title.")
    if not opens or not closes:
        errors.append("Set when the challenge opens and when it closes.")
    if not problem_ids and puzzle is None:
        errors.append("Pick at least one puzzle from the list, or write a new one.")
    if puzzle is not None:
        errors += _puzzle_errors(puzzle)
    if errors:
        return await _challenge_form(request, draft, errors=errors)
    if puzzle is not None:  # the teacher's solution must pass the teacher's tests
        try:
            checks = await check_solution(api(request), {**puzzle, "comparison": COMPARISON})
        except ApiError as exc:
            if exc.status not in (400, 413, 422):
                raise
            return await _challenge_form(request, draft, errors=[exc.message])
        failing = [c for c in checks if not c.passed]
        if failing:
            message = (
                f"Your solution failed {len(failing)} of {len(checks)} tests in the sandbox, "
                "so nothing was saved. Fix the solution or the expected output."
            )
            return await _challenge_form(request, draft, errors=[message], checks=checks)
    body = {
        "title": title,
        "problemIds": problem_ids[:20],
        "newProblems": [puzzle] if puzzle is not None else [],
        "opensAt": opens,
        "closesAt": closes,
        "contest": draft["contest"],
    }
    try:
        await api(request).post(_class_path(request) + "/challenges", body)
    except ApiError as exc:
        if exc.status not in (400, 409, 413, 422):
            raise
        return await _challenge_form(request, draft, errors=[exc.message])
    class_id = quote(str(request.path_params["class_id"]), safe="")
    return RedirectResponse(f"/teach/classes/{class_id}?notice=challenge#challenges-title", 303)


async def challenge_results(request: Request) -> Response:
    user = await require_teacher(request)
    path = _class_path(request)
    challenge_id = quote(str(request.path_params["challenge_id"]), safe="")
    detail, results = await gather(
        api(request).read(ClassDetailOut, path),
        api(request).read(ChallengeResultsOut, f"{path}/challenges/{challenge_id}/results"),
    )
    context = {"klass": wire(detail), "results": wire(results)}
    return render(request, "class_challenge.html", context, user=user)


async def join(request: Request) -> Response:
    """A learner joins a class with the code their teacher gave."""
    await require_user(request)
    form = await read_form(request)
    code = text(form, "joinCode").strip()[:32]
    if not code:
        return RedirectResponse("/home?join=empty", 303)
    try:
        await api(request).post("/classes/join", {"joinCode": code})
    except ApiError as exc:
        if exc.status == 404:
            return RedirectResponse("/home?join=unknown", 303)
        if exc.status == 429:
            return RedirectResponse("/home?join=wait", 303)
        raise
    return RedirectResponse("/home?join=ok", 303)


routes = [
    Route("/teach/classes", class_list, methods=["GET"]),
    Route("/teach/classes", create_class, methods=["POST"]),
    Route("/teach/classes/{class_id}", class_page, methods=["GET"]),
    Route("/teach/classes/{class_id}/learners", create_accounts, methods=["POST"]),
    Route("/teach/classes/{class_id}/cards", cards, methods=["GET"]),
    Route("/teach/classes/{class_id}/unlocks", set_unlock, methods=["POST"]),
    Route(
        "/teach/classes/{class_id}/learners/{learner_id}/password",
        reset_password,
        methods=["POST"],
    ),
    Route(
        "/teach/classes/{class_id}/learners/{learner_id}/remove", remove_learner, methods=["POST"]
    ),
    Route("/teach/classes/{class_id}/learners/{learner_id}/problems/{problem_id}", cell),
    Route("/teach/classes/{class_id}/teachers", add_teacher, methods=["POST"]),
    Route("/teach/classes/{class_id}/settings", update_settings, methods=["POST"]),
    Route("/teach/classes/{class_id}/challenges", create_challenge, methods=["POST"]),
    Route("/teach/classes/{class_id}/challenges/{challenge_id}", challenge_results),
    Route("/classes/join", join, methods=["POST"]),
]
# every teacher page above ends an API error on a kind page with a way back
routes = [
    Route(r.path, friendly(r.endpoint), methods=r.methods) if r.path.startswith("/teach/") else r
    for r in routes
]
