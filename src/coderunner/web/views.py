"""Helpers shared by the page routes: the API client, the signed-in user, kind redirects."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request

from coderunner.auth.schemas import UserOut

from .api_client import ApiClient, ApiError, wire
from .session import session_token

TEACHING_ROLES = frozenset({"teacher", "admin"})


class RedirectTo(Exception):
    """Raised by a helper to end a page with a redirect (handled in app.py)."""

    def __init__(self, url: str, *, clear_session: bool = False) -> None:
        super().__init__(url)
        self.url = url
        self.clear_session = clear_session


def api(request: Request) -> ApiClient:
    client = getattr(request.state, "api", None)
    if client is None:
        client = ApiClient(request.app.state.http, request)
        request.state.api = client
    return client


def login_url(request: Request) -> str:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return "/login?next=" + quote(target, safe="/")


async def optional_user(request: Request) -> dict[str, Any] | None:
    """The signed-in user, or None (an expired or revoked cookie counts as signed out)."""
    if hasattr(request.state, "user"):
        user: dict[str, Any] | None = request.state.user
        return user
    user = None
    if session_token(request):
        try:
            user = wire(await api(request).read(UserOut, "/auth/me"))
        except ApiError as exc:
            if exc.status != 401:
                raise
    request.state.user = user
    return user


async def require_user(request: Request) -> dict[str, Any]:
    user = await optional_user(request)
    if user is None:
        raise RedirectTo(login_url(request), clear_session=bool(session_token(request)))
    return user


async def require_teacher(request: Request) -> dict[str, Any]:
    user = await require_user(request)
    if user.get("role") not in TEACHING_ROLES:
        raise ApiError(403, "FORBIDDEN", "This page is for teachers.")
    return user


def safe_next(value: object, default: str = "/home") -> str:
    """Only local paths: never redirect a learner to another site after logging in."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default


async def gather(*calls: Awaitable[Any]) -> list[Any]:
    """Await API calls at once; every one finishes before the first failure is raised."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)
