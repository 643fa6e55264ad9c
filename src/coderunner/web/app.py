"""The web app factory: `create_web_app(settings)` builds the ASGI app served on port 3000."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

DEFAULT_API_URL = "http://127.0.0.1:4000"


async def _landing(request: Request) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Code Runner</title>"
        "</head><body><h1>Code Runner</h1><p>Learn Python by solving puzzles.</p></body></html>"
    )


def create_web_app(settings: Any = None) -> Starlette:
    """Build the web app; `settings` is read duck-typed (`api_url`, ...)."""
    app = Starlette(routes=[Route("/", _landing)])
    app.state.api_url = getattr(settings, "api_url", DEFAULT_API_URL)
    return app
