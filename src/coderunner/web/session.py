"""The learner's session: the API's JWT, kept only in an httpOnly, SameSite=Lax cookie."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response

SESSION_COOKIE = "cr_session"
SESSION_MAX_AGE_S = 7 * 24 * 3600  # the API's tokens live 7 days
FONT_COOKIE = "cr_font"
# light or dark chosen by the learner; without it the page follows the device's setting
SCHEME_COOKIE = "cr_scheme"
SCHEMES = ("system", "light", "dark")
# the "Read to me" buttons: "on" or "off" when the learner chose; without it, on for 7-9
SPEAK_COOKIE = "cr_speak"
READ_ALOUD_AGE_GROUP = "7-9"
# how the signed-in learner's pages look (character, age group, role, name): kept so that a page
# the API refused (429, 503) still shows the learner's theme and menu, not a signed-out page
LOOK_COOKIE = "cr_look"
LOOK_FIELDS = ("character", "ageGroup", "role", "displayName", "username")


def is_secure(conn: HTTPConnection) -> bool:
    config = conn.app.state.config
    return bool(config.secure_cookies) or conn.url.scheme == "https"


def session_token(conn: HTTPConnection) -> str | None:
    token = conn.cookies.get(SESSION_COOKIE)
    return token or None


def set_session(response: Response, conn: HTTPConnection, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(conn),
    )


def clear_session(response: Response, conn: HTTPConnection) -> None:
    for name in (SESSION_COOKIE, LOOK_COOKIE):
        response.delete_cookie(
            name, path="/", httponly=True, samesite="lax", secure=is_secure(conn)
        )


def _encode_look(user: dict[str, Any]) -> str:
    look = {k: str(user[k])[:64] for k in LOOK_FIELDS if isinstance(user.get(k), str)}
    raw = json.dumps(look, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def remembered_look(conn: HTTPConnection) -> dict[str, str] | None:
    """The look kept by `remember_look`, only while the learner is signed in."""
    value = conn.cookies.get(LOOK_COOKIE)
    if not value or not session_token(conn):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))[:1024])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {k: v for k, v in data.items() if k in LOOK_FIELDS and isinstance(v, str)}


def remember_look(response: Response, conn: HTTPConnection, user: dict[str, Any]) -> None:
    value = _encode_look(user)
    if conn.cookies.get(LOOK_COOKIE) != value:
        response.set_cookie(
            LOOK_COOKIE,
            value,
            max_age=SESSION_MAX_AGE_S,
            path="/",
            httponly=True,
            samesite="lax",
            secure=is_secure(conn),
        )


def large_code_font(conn: HTTPConnection) -> bool:
    return conn.cookies.get(FONT_COOKIE) == "large"


def set_font(response: Response, conn: HTTPConnection, large: bool) -> None:
    response.set_cookie(
        FONT_COOKIE,
        "large" if large else "normal",
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(conn),
    )


def color_scheme(conn: HTTPConnection) -> str:
    """The colours the learner chose: light, dark, or system (the device decides)."""
    chosen = conn.cookies.get(SCHEME_COOKIE, "system")
    return chosen if chosen in SCHEMES else "system"


def set_scheme(response: Response, conn: HTTPConnection, scheme: str) -> None:
    response.set_cookie(
        SCHEME_COOKIE,
        scheme if scheme in SCHEMES else "system",
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(conn),
    )


def read_aloud(conn: HTTPConnection, age_group: object) -> bool:
    """Whether pages show "Read to me" buttons: the learner's choice, else on for ages 7-9."""
    chosen = conn.cookies.get(SPEAK_COOKIE)
    if chosen in ("on", "off"):
        return chosen == "on"
    return age_group == READ_ALOUD_AGE_GROUP


def set_read_aloud(response: Response, conn: HTTPConnection, on: bool) -> None:
    response.set_cookie(
        SPEAK_COOKIE,
        "on" if on else "off",
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(conn),
    )
