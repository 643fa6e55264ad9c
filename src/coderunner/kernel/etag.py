"""Conditional GETs for content reads: an ETag over the exact body a viewer gets, 304 on a match.

`router = APIRouter(..., route_class=ETagRoute)` gives every GET of that router a strong ETag
computed from its serialised 200 body, after the route ran all its rules (level locks, drafts,
roles): a viewer can only ever match a body they were allowed to read. The body differs per
viewer where the content does (lock states, completion), so does the tag; responses are
`private, no-cache` (browsers revalidate; shared caches never store them) and vary on the
credentials. An edit changes the body, so the tag: nothing to invalidate by hand.
It saves bandwidth and the client's parsing, not the server's queries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

CACHE_CONTROL = "private, no-cache"
VARY = "Authorization, Cookie"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of If-None-Match against our strong tag."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def conditional(request: Request, response: Response) -> Response:
    """`response` with its ETag, or a bodiless 304 when the client already holds that body."""
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or isinstance(response, StreamingResponse)
    ):
        return response
    etag = etag_of(bytes(response.body))
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": VARY}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


class ETagRoute(APIRoute):
    """An APIRoute whose successful GETs carry an ETag and answer If-None-Match with 304."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return conditional(request, await handler(request))

        return route
