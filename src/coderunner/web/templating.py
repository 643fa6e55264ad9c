"""Jinja2 for the pages: autoescaping on, our filters, and the context every page gets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from coderunner.kernel.ages import AGE_GROUP_LABELS

from .assets import asset_url
from .characters import all_characters, character_for, tagline_for, voice_for
from .markdown import render_markdown
from .session import color_scheme, large_code_font, read_aloud, remember_look

TEMPLATE_DIR = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = render_markdown
    env.globals["AGE_GROUPS"] = tuple(AGE_GROUP_LABELS.items())
    env.globals["CHARACTERS"] = all_characters()
    env.globals["tagline"] = tagline_for
    env.globals["asset_url"] = asset_url
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    user: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Render `template` with the base context (user, theme, CSRF token, CSP nonce)."""
    if user is None:
        user = getattr(request.state, "user", None)
    character = character_for((user or {}).get("character"))
    name = str((user or {}).get("displayName") or (user or {}).get("username") or "")
    page: dict[str, Any] = {
        "request": request,
        "user": user,
        "character": character,
        "voice": voice_for(character, (user or {}).get("ageGroup"), name),
        "csrf_token": request.state.csrf_token,
        "csp_nonce": request.state.csp_nonce,
        "large_font": large_code_font(request),
        "scheme": color_scheme(request),
        "read_aloud": read_aloud(request, (user or {}).get("ageGroup")),
        "path": request.url.path,
    }
    page.update(context or {})
    html = environment().get_template(template).render(page)
    response = HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})
    confirmed = getattr(request.state, "user", None)  # the API's answer on this request
    if isinstance(confirmed, dict) and confirmed is user:
        remember_look(response, request, confirmed)
    return response
