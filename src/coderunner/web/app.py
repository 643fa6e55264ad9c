"""The web app factory: `create_web_app(settings)` builds the ASGI app served on port 3000."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ..observability import setup_error_reporting
from .api_client import ApiError
from .assets import STATIC_DIR, HashedStaticFiles, asset_hashes
from .config import WebConfig
from .csrf import CsrfError, CsrfMiddleware
from .headers import SecurityHeadersMiddleware
from .proxy import proxy_endpoint
from .routes import account, admin, classes, learn, lessons, public, teach
from .session import clear_session, remembered_look
from .templating import render
from .views import RedirectTo, login_url

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["create_web_app"]

PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# smaller bodies gain nothing from gzip; text/event-stream is never compressed (Starlette's
# default exclusions), so server-sent events still arrive one by one
GZIP_MINIMUM_SIZE = 500
# seconds an idle connection to the API is kept for reuse: under the API's own keep-alive
# (coderunner.api.server.KEEP_ALIVE_S), so this side closes first and never sends on a connection
# the API is closing
API_KEEPALIVE_S = 30.0


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if exc.status == 401:
        response: Response = RedirectResponse(login_url(request), status_code=303)
        clear_session(response, request)
        return response
    # the API's 4xx keep their status; anything else from upstream is a 502, never a 500
    status = exc.status if 400 <= exc.status < 500 else 502
    if exc.status == 503:
        status = 503
    message = exc.message
    if status == 429:
        wait = exc.retry_after if (exc.retry_after or "").isdigit() else None
        message = (
            f"You're quick! The computers need a little rest. Try again in {wait} seconds."
            if wait
            else "You're quick! The computers need a little rest. Try again in a minute."
        )
    # a refused page keeps the learner's look and menu (the session stays as it is)
    user = getattr(request.state, "user", None) or remembered_look(request)
    response = render(
        request,
        "error.html",
        {"status": status, "code": exc.code, "message": message, "retry_after": exc.retry_after},
        status_code=status,
        user=user,
    )
    if exc.retry_after:
        response.headers["retry-after"] = exc.retry_after
    return response


async def _redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RedirectTo)
    response = RedirectResponse(exc.url, status_code=303)
    if exc.clear_session:
        clear_session(response, request)
    return response


async def _csrf_error(request: Request, exc: Exception) -> Response:
    message = "This form has expired. Please go back, reload the page and try again."
    return render(
        request,
        "error.html",
        {"status": 403, "code": "CSRF_FAILED", "message": message},
        status_code=403,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "We couldn't find that page.", 405: "That doesn't work here."}
    message = messages.get(exc.status_code, "Something went wrong.")
    return render(
        request,
        "error.html",
        {"status": exc.status_code, "code": f"HTTP_{exc.status_code}", "message": message},
        status_code=exc.status_code,
    )


def _routes() -> list[BaseRoute]:
    return [
        *public.routes,
        *learn.routes,
        *lessons.routes,
        *account.routes,
        *teach.routes,
        *admin.routes,
        *classes.routes,
        Route("/api/{path:path}", proxy_endpoint, methods=PROXY_METHODS),
        Mount("/static", app=HashedStaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_web_app(settings: Settings | None = None) -> Starlette:
    """Build the web app from the project's settings (from the environment when None)."""
    if settings is None:
        from ..config import Settings

        settings = Settings()
    config = WebConfig.from_settings(settings)
    setup_error_reporting(settings, "web")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(
            base_url=config.api_url,
            timeout=config.api_timeout_s,
            limits=httpx.Limits(
                max_connections=200, max_keepalive_connections=50, keepalive_expiry=API_KEEPALIVE_S
            ),
        ) as http:
            app.state.http = http
            yield

    app = Starlette(
        routes=_routes(),
        lifespan=lifespan,
        exception_handlers={
            ApiError: _api_error,
            RedirectTo: _redirect,
            CsrfError: _csrf_error,
            HTTPException: _http_error,
        },
    )
    app.state.config = config
    app.add_middleware(CsrfMiddleware, secure=config.secure_cookies)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE)
    asset_hashes()  # hashed once, at start, not on the first page
    return app
