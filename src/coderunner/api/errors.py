"""Every error answers `{"error": {"code", "message"}}` (422s add `details`).

A dependency that is down (database, Redis, a full disk: `api.outage`) answers 503 with
`Retry-After`; anything else unexpected is a 500 whose traceback is logged once. Both come from
`ErrorBoundary`, the innermost middleware, which always answers (never a dropped connection
while nothing was sent yet) and does not re-raise (so the server does not log it a second time).
"""

from __future__ import annotations

import logging
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coderunner.kernel.errors import AppError, error_response, unavailable_response
from coderunner.kernel.outage import outage_of

log = structlog.get_logger("coderunner.api")
_stdlib_log = logging.getLogger("coderunner.api")

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc.status_code, exc.code, exc.message, exc.headers, **exc.extra)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
    message = exc.detail if isinstance(exc.detail, str) else code.lower().replace("_", " ")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, message, headers)


def _clean(error: dict[str, Any]) -> dict[str, Any]:
    # never echo whole bodies back; keep where and what
    return {
        "loc": list(error.get("loc", ())),
        "msg": error.get("msg", ""),
        "type": error.get("type", ""),
    }


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [_clean(dict(e)) for e in exc.errors()]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
    return error_response(
        422,
        "VALIDATION_ERROR",
        f"{where}: {first['msg']}",
        details=jsonable_encoder(details),
    )


def failure_response(exc: BaseException, path: str, request_id: str | None) -> JSONResponse:
    """The answer to an exception nothing else handled: 503 for an outage, else 500. Logs it
    once (an outage as one warning line, a bug with its traceback)."""
    part = outage_of(exc)
    if part is not None:
        log.warning(
            "dependency_unavailable",
            part=part,
            path=path,
            request_id=request_id,
            error=f"{type(exc).__name__}: {str(exc)[:200]}",
        )
        return unavailable_response(part, request_id)
    # through stdlib logging with the exception attached, so the JSON line carries the traceback
    # and an error tracker's logging integration reports it (the server never sees it raised)
    _stdlib_log.error("unhandled_error path=%s request_id=%s", path, request_id, exc_info=exc)
    return error_response(500, "INTERNAL_ERROR", "internal server error", requestId=request_id)


class ErrorBoundary:
    """Answers every exception that escapes the app: 503 + Retry-After or 500, as JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the last handler: any failure is a JSON 500
            request_id = scope.get("state", {}).get("request_id")
            response = failure_response(exc, str(scope.get("path", "")), request_id)
            if started:
                return  # a streamed body broke off: logged above, the connection just ends
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Handlers for our errors, plus `ErrorBoundary` for everything else. Call it before adding
    other middleware, so the boundary is the innermost one and its answers get their headers."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(ErrorBoundary)
