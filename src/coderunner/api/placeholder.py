"""A minimal web page served on the web port until `coderunner.web` exists."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Code Runner</title>"
    "</head><body><h1>Code Runner</h1><p>The web app is not installed yet. The API is at "
    "<a href='{api}/docs'>{api}/docs</a>.</p></body></html>"
)


def create_placeholder_app(api_url: str) -> Starlette:
    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.format(api=api_url))

    return Starlette(routes=[Route("/", index)])
