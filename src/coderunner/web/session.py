"""The learner's session: the API's JWT, kept only in an httpOnly, SameSite=Lax cookie."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

SESSION_COOKIE = "cr_session"
SESSION_MAX_AGE_S = 7 * 24 * 3600  # the API's tokens live 7 days
FONT_COOKIE = "cr_font"


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
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_secure(conn)
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
