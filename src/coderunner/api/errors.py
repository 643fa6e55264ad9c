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

from coderunner.api.outage import MESSAGE as OUTAGE_MESSAGE
from coderunner.api.outage import RETRY_AFTER_S, outage_of

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


class AppError(Exception):
    """A domain error with an HTTP status, a stable code and a human message."""

    status_code = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers


class NotFound(AppError):
    status_code = 404
    code = "NOT_FOUND"


class Unauthorized(AppError):
    status_code = 401
    code = "UNAUTHORIZED"

    def __init__(self, message: str = "authentication required", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(AppError):
    status_code = 403
    code = "FORBIDDEN"


class Conflict(AppError):
    status_code = 409
    code = "CONFLICT"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class Unprocessable(AppError):
    status_code = 422
    code = "VALIDATION_ERROR"


class RateLimited(AppError):
    status_code = 429
    code = "RATE_LIMITED"

    def __init__(self, retry_after: int, message: str = "too many requests") -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def error_response(
    status_code: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        error_body(code, message, **extra), status_code=status_code, headers=headers
    )


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc.status_code, exc.code, exc.message, exc.headers)


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


class Unavailable(AppError):
    """A dependency is down or the service is starting: 503 with Retry-After."""

    status_code = 503
    code = "SERVICE_UNAVAILABLE"

    def __init__(
        self, message: str = OUTAGE_MESSAGE, *, retry_after: int = RETRY_AFTER_S, **kwargs: Any
    ) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(max(1, retry_after))})
        super().__init__(message, **kwargs)


def unavailable_response(part: str, request_id: str | None = None) -> JSONResponse:
    extra: dict[str, Any] = {"part": part}
    if request_id is not None:
        extra["requestId"] = request_id
    return error_response(
        503,
        "SERVICE_UNAVAILABLE",
        OUTAGE_MESSAGE,
        {"Retry-After": str(RETRY_AFTER_S)},
        **extra,
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
        except Exception as exc:
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
