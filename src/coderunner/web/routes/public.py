"""Pages anyone can see: landing, log in, sign up, log out, the code font and colour preferences."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coderunner.auth.schemas import TokenOut
from coderunner.kernel.ages import AGE_GROUPS

from ..api_client import UNREACHABLE_MESSAGE, ApiError, parse
from ..session import (
    clear_session,
    session_token,
    set_font,
    set_read_aloud,
    set_scheme,
    set_session,
)
from ..templating import render
from ..views import api, optional_user, safe_next
from .forms import api_words, read_form, text

USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{3,32}")
MIN_PASSWORD = 8
FRIENDLY_FIELDS = {
    "username": "That username doesn't work. Use 3 to 32 letters, numbers, _ . or -.",
    "password": f"Your password needs at least {MIN_PASSWORD} characters.",
    "displayName": "The name to show can be 2 to 24 letters, numbers or spaces.",
}
LOGIN_FAILED = "That username and password don't match. Check them and try again."
# 503 codes whose message is already written for a child (the API's busy password pool, or the
# web's own words when the API could not be reached or did not answer in time)
OWN_WORDS_503 = frozenset({"API_UNREACHABLE", "API_TIMEOUT", "BUSY"})
# the API did not answer in time: the account may exist, and saying "failed" would be a lie
SIGNUP_UNSURE = (
    "The computers were too busy to finish in time. Wait a minute, then try to log in with the "
    "username and password you just picked. If that doesn't work, sign up again."
)


def _with_retry_after(response: Response, exc: ApiError) -> Response:
    if exc.retry_after and response.status_code in (429, 503):
        response.headers["retry-after"] = exc.retry_after
    return response


async def landing(request: Request) -> Response:
    user = await optional_user(request)
    return render(request, "landing.html", user=user)


async def login_page(request: Request) -> Response:
    if await optional_user(request):
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return render(request, "login.html", {"next": request.query_params.get("next", "")})


def _form_error(exc: ApiError, fallback: str) -> tuple[str, int]:
    if exc.code == "VALIDATION_ERROR":
        field = exc.message.split(":", 1)[0].strip()
        words = api_words(exc.message, "displayName")
        return (words or FRIENDLY_FIELDS.get(field, fallback), 422)
    if exc.status == 409:
        return ("That username is taken. Try adding a number or another word.", 409)
    if exc.status in (400, 401, 403, 409, 422):
        return (exc.message or fallback, exc.status)
    if exc.status == 429:
        wait = f" Try again in {exc.retry_after} seconds." if exc.retry_after else ""
        return ("Too many tries in a row." + wait, 429)
    if exc.status == 503:  # down, restarting or busy: it passes, and the child can wait for it
        return (exc.message if exc.code in OWN_WORDS_503 else UNREACHABLE_MESSAGE, 503)
    if exc.status >= 500:  # the server's trouble, not the child's: say so, without its words
        return ("Something went wrong on our side. Please try again in a moment.", 502)
    return (exc.message or fallback, exc.status)


def _signed_in(request: Request, body: TokenOut, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    set_session(response, request, body.token)
    return response


async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    username = text(form, "username").strip()
    password = text(form, "password")
    target = safe_next(text(form, "next"))
    context = {"next": text(form, "next"), "username": username}
    if not username or not password:
        context["error"] = "Please type your username and your password."
        return render(request, "login.html", context, status_code=422)
    try:
        body = parse(
            TokenOut,
            await api(request).post("/auth/login", {"username": username, "password": password}),
        )
    except ApiError as exc:
        message, status = _form_error(exc, LOGIN_FAILED)
        if exc.status == 401:
            message = LOGIN_FAILED
        context["error"] = message
        return _with_retry_after(render(request, "login.html", context, status_code=status), exc)
    return _signed_in(request, body, target)


async def signup_page(request: Request) -> Response:
    if await optional_user(request):
        return RedirectResponse("/home", status_code=303)
    age_group = request.query_params.get("ageGroup", "")
    return render(request, "signup.html", {"form": {"ageGroup": age_group}})


async def signup_submit(request: Request) -> Response:
    form = await read_form(request)
    values = {
        "username": text(form, "username").strip(),
        "displayName": text(form, "displayName").strip(),
        "ageGroup": text(form, "ageGroup"),
        "character": text(form, "character"),
    }
    password = text(form, "password")
    errors: list[str] = []
    if not USERNAME_RE.fullmatch(values["username"]):
        errors.append("Pick a username of 3 to 32 letters or numbers (you can also use _ . and -).")
    if len(password) < MIN_PASSWORD:
        errors.append(f"Your password needs at least {MIN_PASSWORD} characters.")
    if password != text(form, "password2"):
        errors.append("The two passwords are different. Type the same one twice.")
    if values["ageGroup"] and values["ageGroup"] not in AGE_GROUPS:
        errors.append("Pick one of the age groups.")
    if errors:
        return render(request, "signup.html", {"form": values, "errors": errors}, status_code=422)
    payload: dict[str, Any] = {"username": values["username"], "password": password}
    for key in ("displayName", "ageGroup"):
        if values[key]:
            payload[key] = values[key]
    try:
        body = parse(TokenOut, await api(request).post("/auth/register", payload))
    except ApiError as exc:
        message, status = _form_error(exc, "We couldn't create that account.")
        if exc.code == "API_TIMEOUT":
            message = SIGNUP_UNSURE
        page = render(
            request, "signup.html", {"form": values, "errors": [message]}, status_code=status
        )
        return _with_retry_after(page, exc)
    if values["character"]:
        # a character is a nice-to-have at sign-up; the profile page can set it later
        with contextlib.suppress(ApiError):
            await api(request).request(
                "PATCH", "/auth/me", json={"character": values["character"]}, token=body.token
            )
    target = f"/levels/{values['ageGroup']}" if values["ageGroup"] else "/home"
    return _signed_in(request, body, target)


async def logout(request: Request) -> Response:
    await read_form(request)
    if session_token(request):
        with contextlib.suppress(ApiError):  # the cookie goes anyway
            await api(request).post("/auth/logout")
    response = RedirectResponse("/", status_code=303)
    clear_session(response, request)
    return response


async def font_preference(request: Request) -> Response:
    form = await read_form(request)
    response = RedirectResponse(safe_next(text(form, "next"), "/"), status_code=303)
    set_font(response, request, text(form, "size") == "large")
    return response


async def scheme_preference(request: Request) -> Response:
    form = await read_form(request)
    response = RedirectResponse(safe_next(text(form, "next"), "/"), status_code=303)
    set_scheme(response, request, text(form, "scheme"))
    return response


async def speak_preference(request: Request) -> Response:
    form = await read_form(request)
    response = RedirectResponse(safe_next(text(form, "next"), "/"), status_code=303)
    set_read_aloud(response, request, text(form, "speak") == "on")
    return response


routes = [
    Route("/", landing),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/signup", signup_page, methods=["GET"]),
    Route("/signup", signup_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/prefs/font", font_preference, methods=["POST"]),
    Route("/prefs/scheme", scheme_preference, methods=["POST"]),
    Route("/prefs/speak", speak_preference, methods=["POST"]),
]
