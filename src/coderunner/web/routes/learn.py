"""The learner's pages: dashboard, level map, and the problem interface."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coderunner.cheatsheets.schemas import CheatsheetOut, CheatsheetSummary
from coderunner.classes.schemas import ChallengesOut, ClassesOut
from coderunner.kernel.ages import AGE_GROUP_LABELS, AGE_GROUPS
from coderunner.learning.schemas import EffortBadgesOut, LevelStatesOut, StreakOut
from coderunner.lessons.schemas import LessonsOut, ReviewOut
from coderunner.levels.schemas import LevelDetail, LevelOut
from coderunner.problems.schemas import ModelSolutionOut, ProblemOut, ProblemSummary
from coderunner.progress.schemas import BadgesOut, ProblemProgressOut, ProgressOut, ProgressStatus

from ..api_client import ApiError, Model, parse, wire
from ..characters import character_for, voice_for
from ..starters import name_of, starter_for
from ..templating import render
from ..views import api, gather, optional_user, require_user
from .forms import read_form, text

MAX_SHEETS = 4


def _age_group(request: Request) -> str:
    age_group = str(request.path_params["age_group"])
    if age_group not in AGE_GROUPS:
        raise HTTPException(404)
    return age_group


async def _optional(request: Request, model: type[Model], path: str, **params: Any) -> Model | None:
    """A part of a page the page can live without (badges, say): None when it fails."""
    try:
        return await api(request).read(model, path, **params)
    except ApiError as exc:
        if exc.status in (401, 502) or exc.code == "API_UNREACHABLE":
            raise
        return None


def level_view(level: LevelOut, state: Any = None, summary: Any = None) -> dict[str, Any]:
    """A level as the pages show it: the API's level with the learner's counts and lock state
    (`state`: a `LevelStateOut`, `summary`: a `LevelSummaryOut`, either may be missing)."""
    view = wire(level)
    view["problemCount"] = level.problem_count or (summary.total_problems if summary else 0)
    view["solvedCount"] = level.solved or (summary.solved if summary else 0)
    view["unlockedByTeacher"] = False
    if state is not None:
        view.update(
            locked=state.locked,
            completed=state.completed,
            unlockedByTeacher=state.unlocked_by_teacher,
            solvedCount=state.solved,
            problemCount=state.total or view["problemCount"],
        )
    view["state"] = "completed" if view["completed"] else "locked" if view["locked"] else "open"
    return view


def level_state(level: dict[str, Any]) -> str:
    """'completed', 'locked' or 'open' (a `level_view`)."""
    return str(level["state"])


def level_number(level: dict[str, Any]) -> int:
    return int(level["number"])


def level_views(
    levels: list[LevelOut], progress: ProgressOut | None, states: LevelStatesOut | None
) -> list[dict[str, Any]]:
    by_number = {state.number: state for state in states.levels} if states else {}
    summaries = {(s.age_group, s.level_number): s for s in progress.levels} if progress else {}
    return [
        level_view(
            level, by_number.get(level.number), summaries.get((level.age_group, level.number))
        )
        for level in sorted(levels, key=lambda lv: lv.number)
    ]


def _progress_rows(progress: ProgressOut | None) -> dict[str, ProblemProgressOut]:
    return {row.problem_id: row for row in progress.problems} if progress else {}


def problem_status(row: ProblemProgressOut | None) -> str:
    """'solved', 'attempted' or 'new'."""
    if row is None or row.status == ProgressStatus.NOT_STARTED:
        return "new"
    return "solved" if row.status == ProgressStatus.SOLVED else "attempted"


def _first_open_level(levels: list[dict[str, Any]], age_group: str) -> dict[str, Any] | None:
    for level in levels:
        if level_state(level) == "open":
            return {"url": f"/levels/{age_group}/{level_number(level)}", "level": level}
    return None


async def _continue_target(
    request: Request, levels: list[dict[str, Any]], age_group: str, progress: ProgressOut | None
) -> dict[str, Any] | None:
    """The problem last worked on and not solved yet, else the first open, unfinished level."""
    rows = [r for r in _progress_rows(progress).values() if problem_status(r) == "attempted"]
    rows.sort(key=lambda r: r.updated_at, reverse=True)
    if rows:
        problem = await _optional(request, ProblemOut, f"/problems/{quote(rows[0].problem_id)}")
        if problem is not None and problem.age_group == age_group:
            number = problem.level_number
            level = next((lv for lv in levels if level_number(lv) == number), {"number": number})
            return {
                "url": f"/levels/{age_group}/{number}?problem={quote(problem.id)}",
                "level": level,
                "problem": wire(problem),
            }
    return _first_open_level(levels, age_group)


async def _none() -> None:
    return None


async def _levels_for(request: Request, age_group: str, *, signed_in: bool) -> list[dict[str, Any]]:
    """The age group's levels; for a signed-in learner with progress, locks and completion."""
    levels, progress, states = await gather(
        api(request).read_list(LevelOut, f"/levels/{age_group}"),
        _optional(request, ProgressOut, "/progress") if signed_in else _none(),
        _optional(request, LevelStatesOut, f"/learning/levels/{age_group}")
        if signed_in
        else _none(),
    )
    return level_views(levels, progress, states)


async def home(request: Request) -> Response:
    user = await require_user(request)
    if user.get("role") == "teacher":  # a teacher's home is their classes
        return RedirectResponse("/teach/classes", status_code=303)
    age_group = user.get("ageGroup")
    has_group = age_group in AGE_GROUPS
    # the parts of the dashboard are independent: ask for them at once
    (
        progress,
        streak,
        badges_a,
        badges_b,
        level_list,
        states,
        review,
        classes,
        challenges,
    ) = await gather(
        _optional(request, ProgressOut, "/progress"),
        _optional(request, StreakOut, "/learning/streak") if has_group else _none(),
        _optional(request, BadgesOut, "/progress/badges"),
        _optional(request, EffortBadgesOut, "/learning/badges"),
        api(request).read_list(LevelOut, f"/levels/{age_group}") if has_group else _none(),
        _optional(request, LevelStatesOut, f"/learning/levels/{age_group}")
        if has_group
        else _none(),
        _optional(request, ReviewOut, "/lessons/review") if has_group else _none(),
        _optional(request, ClassesOut, "/classes"),
        _optional(request, ChallengesOut, "/challenges/open"),
    )
    levels = level_views(level_list or [], progress, states)
    badges = [
        wire(b)
        for b in [*(badges_a.badges if badges_a else []), *(badges_b.badges if badges_b else [])]
    ]
    badges.sort(key=lambda b: not b["earned"])
    context = {
        "age_group": age_group if has_group else None,
        "levels": levels,
        "level_number": level_number,
        "level_state": level_state,
        "summary": {"totalXp": progress.total_xp, "solvedCount": progress.solved_count}
        if progress
        else {},
        "badges": badges,
        "streak": wire(streak) if streak else None,
        "review": wire(review.review) if review and review.review else None,
        "classes": [wire(c) for c in classes.classes] if classes else [],
        "challenges": [wire(c) for c in challenges.challenges] if challenges else [],
        "join": request.query_params.get("join"),
        "continue_at": (
            await _continue_target(request, levels, str(age_group), progress) if levels else None
        ),
    }
    return render(request, "home.html", context, user=user)


async def choose_age_group(request: Request) -> Response:
    await require_user(request)
    form = await read_form(request)
    age_group = text(form, "ageGroup")
    if age_group not in AGE_GROUPS:
        raise ApiError(422, "BAD_AGE_GROUP", "Pick one of the age groups.")
    await api(request).patch("/auth/me", {"ageGroup": age_group})
    return RedirectResponse(f"/levels/{age_group}", status_code=303)


async def level_map(request: Request) -> Response:
    age_group = _age_group(request)
    user = await optional_user(request)
    levels, lessons = await gather(
        _levels_for(request, age_group, signed_in=bool(user)),
        _optional(request, LessonsOut, f"/lessons/{age_group}"),
    )
    by_level = {lesson.level: wire(lesson) for lesson in lessons.lessons} if lessons else {}
    context = {
        "age_group": age_group,
        "age_label": AGE_GROUP_LABELS[age_group],
        "levels": levels,
        "level_number": level_number,
        "level_state": level_state,
        "lesson_of": lambda level: by_level.get(level_number(level)),
    }
    return render(request, "levels.html", context, user=user)


async def _cheatsheets(
    request: Request, level: LevelOut, age_group: str, number: int
) -> list[dict[str, Any]]:
    """The level's cheatsheet first, then any other sheet filed under the level, with bodies."""
    slugs: list[str] = [level.cheatsheet_slug] if level.cheatsheet_slug else []
    try:
        listed = await api(request).read_list(
            CheatsheetSummary, "/cheatsheets", ageGroup=age_group, level=number
        )
    except ApiError as exc:
        if exc.status in (401, 502) or exc.code == "API_UNREACHABLE":
            raise
        listed = []
    slugs += [sheet.slug for sheet in listed if sheet.slug not in slugs]
    bodies = await gather(
        *(
            _optional(request, CheatsheetOut, f"/cheatsheets/{quote(slug)}")
            for slug in slugs[:MAX_SHEETS]
        )
    )
    return [wire(body) for body in bodies if body is not None]


def _locked(request: Request, age_group: str, number: int, message: str | None) -> Response:
    context = {"age_group": age_group, "number": number, "message": message}
    return render(request, "locked.html", context, status_code=403)


async def problem_page(request: Request) -> Response:
    age_group = _age_group(request)
    number = int(request.path_params["number"])
    user = await require_user(request)
    try:
        body, states, progress_body = await gather(
            api(request).get(f"/levels/{age_group}/{number}"),
            _optional(request, LevelStatesOut, f"/learning/levels/{age_group}"),
            _optional(request, ProgressOut, "/progress"),
        )
    except ApiError as exc:
        if exc.status == 403 or exc.code.upper().endswith("LOCKED"):
            return _locked(request, age_group, number, exc.message)
        raise
    detail = parse(LevelDetail, body)
    state = next((s for s in states.levels if s.number == number), None) if states else None
    level = level_view(detail, state)
    if level_state(level) == "locked" and user.get("role") not in ("teacher", "admin"):
        return _locked(request, age_group, number, None)
    summaries: list[ProblemSummary] = sorted(detail.problems, key=lambda p: (p.order, p.title))
    if not summaries:
        return render(request, "empty_level.html", {"age_group": age_group, "level": level})

    wanted = request.query_params.get("problem")
    chosen = next((p for p in summaries if p.id == wanted), None)
    progress = _progress_rows(progress_body)
    if chosen is None:
        if wanted:
            raise HTTPException(404)
        unsolved = [p for p in summaries if problem_status(progress.get(p.id)) != "solved"]
        chosen = (unsolved or summaries)[0]
    problem_out, cheatsheets = await gather(
        api(request).read(ProblemOut, f"/problems/{quote(chosen.id)}"),
        _cheatsheets(request, detail, age_group, number),
    )
    solved = problem_status(progress.get(chosen.id)) == "solved"
    model_solution = (
        await _optional(request, ModelSolutionOut, f"/problems/{quote(chosen.id)}/solution")
        if solved
        else None
    )

    index = next(i for i, p in enumerate(summaries) if p.id == chosen.id)
    following = summaries[index + 1] if index + 1 < len(summaries) else None
    character = character_for(user.get("character"))
    language = problem_out.language
    tests = [
        {"name": t.name, "input": t.input, "output": t.expected_output} for t in problem_out.tests
    ]
    page_data = {
        "problemId": problem_out.id,
        "userId": str(user.get("id", "")),
        "ageGroup": age_group,
        "levelNumber": number,
        "starterCode": starter_for(language, problem_out.starter_code),
        "language": language,
        # a problem may allow several languages: the learner picks one above the editor
        "languages": problem_out.languages or [language],
        "starters": {name: starter_for(name, code) for name, code in problem_out.starters.items()},
        "hints": [str(hint) for hint in problem_out.hints],
        # "Run with the example": the first visible test's input, for problems that read one
        "exampleInput": tests[0]["input"] if tests else "",
        "voice": voice_for(
            character, age_group, str(user.get("displayName") or user.get("username") or "")
        ),
        "nextUrl": f"/levels/{age_group}/{number}?problem={following.id}"
        if following
        else f"/levels/{age_group}",
    }
    context = {
        "age_group": age_group,
        "level": level,
        "number": number,
        "problems": [wire(p) for p in summaries],
        "problem": wire(problem_out),
        "tests": tests,
        "status_of": lambda p: problem_status(progress.get(str(p.get("id")))),
        "cheatsheets": cheatsheets,
        "page_data": page_data,
        "model_solution": wire(model_solution) if model_solution else None,
        "language_name": name_of(language),
        "language_choices": [(name, name_of(name)) for name in problem_out.languages or [language]],
    }
    return render(request, "problem.html", context, user=user)


async def challenge_puzzle_page(request: Request) -> Response:
    """A puzzle a teacher wrote for the class, inside its challenge (not in any level). The API
    decides what shows: nothing before the window opens, a kind 403 after it closes."""
    user = await require_user(request)
    class_id = quote(str(request.path_params["class_id"]), safe="")
    challenge_id = str(request.path_params["challenge_id"])
    wanted = str(request.path_params["problem_id"])
    listed, progress_body = await gather(
        api(request).read(ChallengesOut, f"/classes/{class_id}/challenges"),
        _optional(request, ProgressOut, "/progress"),
    )
    challenge = next((c for c in listed.challenges if c.id == challenge_id), None)
    own = [p for p in (challenge.problems if challenge else []) if p.own]
    chosen = next((p for p in own if p.id == wanted), None)
    if challenge is None or chosen is None:
        raise HTTPException(404)
    problem_out = await api(request).read(ProblemOut, f"/problems/{quote(wanted, safe='')}")
    progress = _progress_rows(progress_body)
    solved = problem_status(progress.get(wanted)) == "solved"
    model_solution = (
        await _optional(request, ModelSolutionOut, f"/problems/{quote(wanted, safe='')}/solution")
        if solved
        else None
    )
    url = f"/classes/{class_id}/challenges/{quote(challenge_id, safe='')}/puzzles/"
    index = own.index(chosen)
    following = own[index + 1] if index + 1 < len(own) else None
    language = problem_out.language
    tests = [
        {"name": t.name, "input": t.input, "output": t.expected_output} for t in problem_out.tests
    ]
    page_data = {
        "problemId": problem_out.id,
        "userId": str(user.get("id", "")),
        "ageGroup": problem_out.age_group,
        "levelNumber": problem_out.level_number,
        "starterCode": starter_for(language, problem_out.starter_code),
        "language": language,
        "languages": problem_out.languages or [language],
        "starters": {name: starter_for(name, code) for name, code in problem_out.starters.items()},
        "hints": [str(hint) for hint in problem_out.hints],
        "exampleInput": tests[0]["input"] if tests else "",
        "voice": voice_for(
            character_for(user.get("character")),
            problem_out.age_group,
            str(user.get("displayName") or user.get("username") or ""),
        ),
        "nextUrl": url + quote(following.id, safe="") if following else "/home",
    }
    context = {
        "age_group": problem_out.age_group,
        "level": {},
        "number": problem_out.level_number,
        "problems": [wire(p) for p in own],
        "problem": wire(problem_out),
        "tests": tests,
        "status_of": lambda p: problem_status(progress.get(str(p.get("id")))),
        "cheatsheets": [],
        "page_data": page_data,
        "model_solution": wire(model_solution) if model_solution else None,
        "language_name": name_of(language),
        "language_choices": [(name, name_of(name)) for name in problem_out.languages or [language]],
        "challenge": {"title": challenge.title, "url": url},
    }
    return render(request, "problem.html", context, user=user)


routes = [
    Route("/home", home),
    Route("/age-group", choose_age_group, methods=["POST"]),
    Route("/levels/{age_group}", level_map),
    Route("/levels/{age_group}/{number:int}", problem_page),
    Route(
        "/classes/{class_id}/challenges/{challenge_id}/puzzles/{problem_id}",
        challenge_puzzle_page,
    ),
]
