"""The learner's own pages: profile (character, name, leaderboard opt-out) and leaderboard."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coderunner.auth.schemas import UserOut
from coderunner.classes.schemas import ClassesOut, ClassLeaderboardOut
from coderunner.kernel.ages import AGE_GROUPS, PUBLIC_AGE_GROUPS
from coderunner.progress.schemas import LeaderboardOut

from ..api_client import ApiError, parse, wire
from ..characters import all_characters
from ..templating import render
from ..views import api, gather, require_user
from .forms import api_words, read_form, text

LEADERBOARD_PATH = "/progress/leaderboard"


async def profile_page(request: Request) -> Response:
    user = await require_user(request)
    saved = request.query_params.get("saved") == "1"
    return render(request, "profile.html", {"saved": saved}, user=user)


async def profile_submit(request: Request) -> Response:
    user = await require_user(request)
    form = await read_form(request)
    changes: dict[str, Any] = {
        "displayName": text(form, "displayName").strip() or None,
        # the leaderboard is opt-in: off unless the box is ticked
        "leaderboardOptOut": text(form, "showOnLeaderboard") != "on",
    }
    character = text(form, "character")
    if character in all_characters():
        changes["character"] = character
    age_group = text(form, "ageGroup")
    if age_group in AGE_GROUPS:
        changes["ageGroup"] = age_group
    try:
        parse(UserOut, await api(request).patch("/auth/me", changes))
    except ApiError as exc:
        if exc.status not in (400, 409, 422):
            raise
        edited = {**user, **{k: v for k, v in changes.items() if v is not None}}
        message = api_words(exc.message, "displayName") or exc.message
        return render(
            request, "profile.html", {"error": message}, user=edited, status_code=exc.status
        )
    return RedirectResponse("/profile?saved=1", status_code=303)


async def _class_boards(request: Request) -> list[dict[str, Any]]:
    try:
        mine = await api(request).read(ClassesOut, "/classes")
        calls = [
            api(request).read(ClassLeaderboardOut, f"/classes/{quote(c.id, safe='')}/leaderboard")
            for c in mine.classes
            if c.role == "learner"
        ]
        return [wire(board) for board in await gather(*calls)]
    except ApiError as exc:
        if exc.status != 404:
            raise
        return []


async def leaderboard(request: Request) -> Response:
    user = await require_user(request)
    boards = await _class_boards(request)
    staff = user.get("role") in ("teacher", "admin")
    teen = user.get("ageGroup") in PUBLIC_AGE_GROUPS
    rows: list[dict[str, Any]] = []
    unavailable = False
    if teen or staff:
        try:
            body = await api(request).read(
                LeaderboardOut, LEADERBOARD_PATH, ageGroup=PUBLIC_AGE_GROUPS[0]
            )
        except ApiError as exc:
            if exc.status != 404:
                raise
            unavailable = True
        else:
            rows = [wire(entry) for entry in body.entries]
    context = {
        "boards": boards,
        "show_public": teen or staff,
        "rows": rows,
        "unavailable": unavailable,
        "opted_in": not user.get("leaderboardOptOut", True),
    }
    return render(request, "leaderboard.html", context, user=user)


routes = [
    Route("/profile", profile_page, methods=["GET"]),
    Route("/profile", profile_submit, methods=["POST"]),
    Route("/leaderboard", leaderboard),
]
