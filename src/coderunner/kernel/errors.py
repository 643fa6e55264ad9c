"""The errors a domain raises: each has an HTTP status, a stable code and a message a child can
act on. The HTTP shell (`coderunner.api.errors`) turns them into `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from coderunner.kernel.outage import MESSAGE as OUTAGE_MESSAGE
from coderunner.kernel.outage import RETRY_AFTER_S


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
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # more fields of the error body, beside code and message (e.g. a 412's current state)
        self.extra = extra or {}
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


class PreconditionFailed(AppError):
    status_code = 412
    code = "PRECONDITION_FAILED"


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
