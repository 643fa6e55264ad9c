"""Friendly errors on the teacher's pages: a kind sentence and a way back, never a bare code.

The API's refusals are terse ("no such level", "levelNumber: Input should be ...") and its
outages are codes. A teacher page that fails says what happened in plain words, keeps the
status (404, 422, 503 with Retry-After) and links back to the page the teacher came from.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..api_client import ApiError
from ..templating import render
from ..views import TEACHING_ROLES

Endpoint = Callable[[Request], Awaitable[Response]]

# the API's own short refusals, in the teacher's words
KNOWN: dict[str, str] = {
    "no such level": (
        "That level doesn't exist in this age group yet. "
        "Pick a level the level map shows, and try again."
    ),
    "no such learner in this class": (
        "That learner isn't in this class (any more). The class page lists who is in it now."
    ),
    "no such learner or problem in this class": (
        "That learner or puzzle isn't in this class. The class page lists who and what is in it."
    ),
    "no such class": (
        "We couldn't find that class. It may have been deleted, or it belongs to another teacher."
    ),
    "no such problem": "We couldn't find that problem. Someone may have deleted it.",
    "no such challenge": "We couldn't find that challenge. It may have been deleted.",
    "no such user": "We couldn't find that account. It may have been removed.",
    "no such teacher in this class": "That teacher isn't in this class (any more).",
    "a class needs at least one teacher": "A class needs at least one teacher, so you stay.",
    "a problem with this id exists": (
        "A problem with this id exists already. Change the id, or leave it empty to make one."
    ),
}

BY_STATUS: dict[int, str] = {
    400: "Something in that request wasn't right. Go back and try again.",
    403: "That isn't open to you: it belongs to another teacher's class, or needs an admin.",
    404: "We couldn't find that. It may have been deleted.",
    409: "Someone changed this at the same time. Go back, reload the page and try again.",
    413: "That is too big to save. Make the text or the tests shorter.",
    422: "Something in the form needs fixing. Go back and check what you typed.",
    429: "That was a lot of clicks at once. Wait a moment, then try again.",
}

OUTAGE = (
    "Code Runner is taking a short break or is very busy right now. Wait a minute, then try again."
)

TITLES: dict[int, str] = {
    403: "That's not open to you",
    404: "We couldn't find that",
    409: "That changed meanwhile",
    429: "One moment, please",
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SENTENCE = re.compile(r"^[A-Z].*[.!?]$", re.S)


def _field(loc: str) -> str:
    """`tests.0.expectedOutput` → `test 1, expected output`."""
    words: list[str] = []
    for part in loc.split("."):
        if part.isdigit():
            words[-1:] = [f"{(words[-1] if words else 'item').rstrip('s')} {int(part) + 1}"]
        else:
            words.append(_CAMEL.sub(" ", part).lower())
    return ", ".join(words)


def _validation(message: str) -> str:
    """The API's `where: what` validation message as a sentence."""
    where, _, what = message.partition(": ")
    if not what:
        return BY_STATUS[422]
    what = re.sub(r"^(Input|String|Value|List|Field) ", "", what.strip())
    what = "is missing" if what.lower() == "required" else what[:1].lower() + what[1:]
    return f"Something in the form needs fixing: the {_field(where)} {what.rstrip('.')}."


def friendly_message(exc: ApiError) -> str:
    """What happened, in a sentence a teacher can act on (no codes)."""
    if exc.status in (502, 503, 504) or exc.code in ("API_UNREACHABLE", "API_TIMEOUT"):
        if exc.code == "CHECK_TIMEOUT":
            return "The sandbox took too long to check the solution. Try checking again."
        return OUTAGE
    if exc.code == "VALIDATION_ERROR":
        return _validation(exc.message)
    known = KNOWN.get(exc.message.strip().lower())
    if known:
        return known
    if _SENTENCE.match(exc.message.strip()):
        return exc.message.strip()  # the API already said it kindly
    return BY_STATUS.get(exc.status, "Something went wrong. Go back and try again.")


def way_back(request: Request, status: int) -> tuple[str, str]:
    """Where the teacher came from: the page the form was on, or the list above the page."""
    path = request.url.path.rstrip("/")
    parts = path.split("/")  # "", "teach", section, id, ...
    section = parts[2] if len(parts) > 2 else ""
    page_itself = request.method == "GET" and status in (403, 404)
    if section == "classes" and len(parts) > 3:
        if len(parts) == 4 and page_itself:
            return "/teach/classes", "Back to your classes"
        return "/".join(parts[:4]), "Back to the class"
    if section == "problems" and len(parts) > 3 and parts[3] != "new" and not page_itself:
        return f"/teach/problems/{parts[3]}/edit", "Back to the problem"
    if section == "problems":
        return "/teach/problems", "Back to the problems"
    if section == "learners" and not page_itself:
        return "/teach/learners", "Back to the learners"
    return "/teach/classes", "Back to your classes"


def error_page(request: Request, exc: ApiError) -> Response:
    status = exc.status if 400 <= exc.status < 600 else 502
    outage = status >= 500
    back_url, back_label = way_back(request, status)
    context: dict[str, Any] = {
        "status": status,
        "title": "Very busy right now" if outage else TITLES.get(status, "That didn't work"),
        "message": friendly_message(exc),
        "back_url": back_url,
        "back_label": back_label,
        # a page that could not load can simply be loaded again; a form is sent again from it
        "retry_url": str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        if outage and request.method == "GET"
        else None,
    }
    response = render(request, "teach_error.html", context, status_code=status)
    if exc.retry_after:
        response.headers["retry-after"] = exc.retry_after
    elif outage:
        response.headers["retry-after"] = "5"
    return response


def friendly(endpoint: Endpoint) -> Endpoint:
    """A teacher page whose API errors end on the friendly page (sign-in and a learner's
    refusal keep the site's own handling)."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ApiError as exc:
            if exc.status == 401:
                raise
            user = getattr(request.state, "user", None)
            staff = isinstance(user, dict) and user.get("role") in TEACHING_ROLES
            if not staff and exc.status < 500:
                raise  # a learner who opened a teacher page: the site's own "not for you"
            return error_page(request, exc)

    return wrapped
