"""The learner's pages: dashboard, level map, and the problem interface."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coderunner.kernel.ages import AGE_GROUP_LABELS, AGE_GROUPS

from ..api_client import ApiError
from ..characters import character_for, voice_for
from ..shapes import (
    hints,
    level_number,
    level_state,
    merge_level_progress,
    merge_level_states,
    problem_progress,
    problem_status,
    split_level,
    visible_tests,
)
from ..starters import name_of, starter_for
from ..templating import render
from ..views import api, gather, items, optional_user, require_user
from .forms import read_form, text

MAX_SHEETS = 4


def _age_group(request: Request) -> str:
    age_group = str(request.path_params["age_group"])
    if age_group not in AGE_GROUPS:
        raise HTTPException(404)
    return age_group


async def _optional(request: Request, path: str, **params: Any) -> Any:
    """A part of a page the page can live without (badges, say): None when it fails."""
    try:
        return await api(request).get(path, **params)
    except ApiError as exc:
        if exc.status in (401, 502) or exc.code == "API_UNREACHABLE":
            raise
        return None


def _first_open_level(levels: list[dict[str, Any]], age_group: str) -> dict[str, Any] | None:
    for level in levels:
        if level_state(level) == "open":
            return {"url": f"/levels/{age_group}/{level_number(level)}", "level": level}
    return None


async def _continue_target(
    request: Request, levels: list[dict[str, Any]], age_group: str, progress: Any
) -> dict[str, Any] | None:
    """The problem last worked on and not solved yet, else the first open, unfinished level."""
    rows = [
        r
        for r in items(progress, "problems")
        if isinstance(r, dict) and problem_status(r) == "attempted" and r.get("problemId")
    ]
    rows.sort(key=lambda r: str(r.get("updatedAt") or ""), reverse=True)
    if rows:
        problem = await _optional(request, f"/problems/{quote(str(rows[0]['problemId']))}")
        if isinstance(problem, dict) and problem.get("ageGroup") == age_group:
            number = problem.get("levelNumber")
            level = next((lv for lv in levels if level_number(lv) == number), {"number": number})
            return {
                "url": f"/levels/{age_group}/{number}?problem={quote(str(problem['id']))}",
                "level": level,
                "problem": problem,
            }
    return _first_open_level(levels, age_group)


async def _none() -> None:
    return None


async def _levels_for(request: Request, age_group: str, *, signed_in: bool) -> list[dict[str, Any]]:
    """The age group's levels; for a signed-in learner with progress, locks and completion."""
    level_list, progress, states = await gather(
        api(request).get(f"/levels/{age_group}"),
        _optional(request, "/progress") if signed_in else _none(),
        _optional(request, f"/learning/levels/{age_group}") if signed_in else _none(),
    )
    levels = sorted(items(level_list, "levels"), key=level_number)
    if signed_in:
        levels = merge_level_states(merge_level_progress(levels, progress), states)
    return levels


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
        _optional(request, "/progress"),
        _optional(request, "/learning/streak") if has_group else _none(),
        _optional(request, "/progress/badges"),
        _optional(request, "/learning/badges"),
        api(request).get(f"/levels/{age_group}") if has_group else _none(),
        _optional(request, f"/learning/levels/{age_group}") if has_group else _none(),
        _optional(request, "/lessons/review") if has_group else _none(),
        _optional(request, "/classes"),
        _optional(request, "/challenges/open"),
    )
    levels = sorted(items(level_list, "levels"), key=level_number)
    levels = merge_level_states(merge_level_progress(levels, progress), states)
    badges = items(badges_a, "badges") + items(badges_b, "badges")
    badges.sort(key=lambda b: not (isinstance(b, dict) and b.get("earned", True)))
    summary = progress.get("summary", progress) if isinstance(progress, dict) else {}
    context = {
        "age_group": age_group if age_group in AGE_GROUPS else None,
        "levels": levels,
        "level_number": level_number,
        "level_state": level_state,
        "summary": summary if isinstance(summary, dict) else {},
        "badges": badges,
        "streak": streak if isinstance(streak, dict) else None,
        "review": review.get("review") if isinstance(review, dict) else None,
        "classes": items(classes, "classes"),
        "challenges": items(challenges, "challenges"),
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
        _optional(request, f"/lessons/{age_group}"),
    )
    label = AGE_GROUP_LABELS[age_group]
    by_level = {
        lesson.get("level"): lesson
        for lesson in items(lessons, "lessons")
        if isinstance(lesson, dict)
    }
    context = {
        "age_group": age_group,
        "age_label": label,
        "levels": sorted(levels, key=level_number),
        "level_number": level_number,
        "level_state": level_state,
        "lesson_of": lambda level: by_level.get(level_number(level)),
    }
    return render(request, "levels.html", context, user=user)


async def _cheatsheets(
    request: Request, level: dict[str, Any], age_group: str, number: int
) -> list[dict[str, Any]]:
    """The level's cheatsheet first, then any other sheet filed under the level, with bodies."""
    slugs: list[str] = []
    if isinstance(level.get("cheatsheetSlug"), str):
        slugs.append(level["cheatsheetSlug"])
    listed = await _optional(request, "/cheatsheets", ageGroup=age_group, level=number)
    for sheet in items(listed, "cheatsheets"):
        slug = sheet.get("slug") if isinstance(sheet, dict) else None
        if isinstance(slug, str) and slug not in slugs:
            slugs.append(slug)
    bodies = await gather(
        *(_optional(request, f"/cheatsheets/{quote(slug)}") for slug in slugs[:MAX_SHEETS])
    )
    return [b for b in bodies if isinstance(b, dict)]


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
            _optional(request, f"/learning/levels/{age_group}"),
            _optional(request, "/progress"),
        )
    except ApiError as exc:
        if exc.status == 403 or exc.code.upper().endswith("LOCKED"):
            return _locked(request, age_group, number, exc.message)
        raise
    level, problems = split_level(body)
    level = merge_level_states([level], states)[0] if level else level
    if level_state(level) == "locked" and user.get("role") not in ("teacher", "admin"):
        return _locked(request, age_group, number, None)
    if not problems:
        return render(request, "empty_level.html", {"age_group": age_group, "level": level})

    wanted = request.query_params.get("problem")
    chosen = next((p for p in problems if str(p.get("id")) == wanted), None)
    progress = problem_progress(progress_body)
    if chosen is None:
        if wanted:
            raise HTTPException(404)
        unsolved = [p for p in problems if problem_status(progress.get(str(p["id"]))) != "solved"]
        chosen = (unsolved or problems)[0]
    problem, cheatsheets = await gather(
        api(request).get(f"/problems/{quote(str(chosen['id']))}"),
        _cheatsheets(request, level, age_group, number),
    )
    problem = problem.get("problem", problem) if isinstance(problem, dict) else {}
    solved = problem_status(progress.get(str(chosen["id"]))) == "solved"
    model_solution = (
        await _optional(request, f"/problems/{quote(str(chosen['id']))}/solution")
        if solved
        else None
    )

    index = next(i for i, p in enumerate(problems) if p["id"] == chosen["id"])
    following = problems[index + 1] if index + 1 < len(problems) else None
    character = character_for(user.get("character"))
    language = str(problem.get("language") or "python")
    tests = visible_tests(problem)
    page_data = {
        "problemId": str(problem.get("id", chosen["id"])),
        "userId": str(user.get("id", "")),
        "ageGroup": age_group,
        "levelNumber": number,
        "starterCode": starter_for(language, problem.get("starterCode")),
        "language": language,
        # a problem may allow several languages: the learner picks one above the editor
        "languages": [str(name) for name in problem.get("languages") or [language]],
        "starters": {
            str(name): starter_for(str(name), code)
            for name, code in (problem.get("starters") or {}).items()
        },
        "hints": hints(problem),
        # "Run with the example": the first visible test's input, for problems that read one
        "exampleInput": str(tests[0].get("input") or "") if tests else "",
        "voice": voice_for(
            character, age_group, str(user.get("displayName") or user.get("username") or "")
        ),
        "nextUrl": f"/levels/{age_group}/{number}?problem={following['id']}"
        if following
        else f"/levels/{age_group}",
    }
    context = {
        "age_group": age_group,
        "level": level,
        "number": number,
        "problems": problems,
        "problem": problem,
        "tests": tests,
        "status_of": lambda p: problem_status(progress.get(str(p.get("id")))),
        "cheatsheets": cheatsheets,
        "page_data": page_data,
        "model_solution": model_solution if isinstance(model_solution, dict) else None,
        "language_name": name_of(language),
        "language_choices": [
            (str(name), name_of(str(name))) for name in problem.get("languages") or [language]
        ],
    }
    return render(request, "problem.html", context, user=user)


routes = [
    Route("/home", home),
    Route("/age-group", choose_age_group, methods=["POST"]),
    Route("/levels/{age_group}", level_map),
    Route("/levels/{age_group}/{number:int}", problem_page),
]
