"""The web process's client of the API: httpx, the learner's token, errors as `ApiError`.

Bodies are read through the API's own response schemas (`read`, `read_list`): the page gets
the shape the API promises, or a `502 BAD_API_RESPONSE` when the API sent something else.
`wire` gives a template the body as the API sent it (camelCase keys).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import HTTPConnection

from .session import session_token

# what a page shows when the API answers with something that is not our error shape
FALLBACK_MESSAGES = {
    400: "That request didn't look right.",
    401: "Please log in again.",
    403: "You're not allowed to do that.",
    404: "We couldn't find that.",
    409: "That already exists.",
    413: "That's too big to send.",
    422: "Some of that information isn't right.",
    429: "Whoa, that's a lot of clicks! Take a breath and try again in a moment.",
    503: "The computers are very busy right now. Try again in a moment.",
}


BAD_RESPONSE_MESSAGE = "The server sent something odd."

Model = TypeVar("Model", bound=BaseModel)
Answer = TypeVar("Answer")


def parse(model: type[Model], body: Any) -> Model:
    """`body` as the API's schema `model`; 502 when it is not that shape."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ApiError(502, "BAD_API_RESPONSE", BAD_RESPONSE_MESSAGE) from exc


def parse_list(model: type[Model], body: Any) -> list[Model]:
    try:
        return TypeAdapter(list[model]).validate_python(body)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise ApiError(502, "BAD_API_RESPONSE", BAD_RESPONSE_MESSAGE) from exc


def wire(model: BaseModel) -> dict[str, Any]:
    """A parsed body as the API sent it (camelCase, JSON types), for a template."""
    return model.model_dump(mode="json", by_alias=True)


UNREACHABLE_MESSAGE = "Code Runner is taking a short break. Please wait a minute and try again."
UNREACHABLE_RETRY_AFTER_S = 5
# the API was reached but did not answer within the web's wait (WebConfig.api_timeout_s): it is
# busy, not down, and what was asked may still happen
TIMEOUT_MESSAGE = (
    "The computers are very busy and didn't answer in time. Please wait a moment and try again."
)
TIMEOUT_RETRY_AFTER_S = 10


class ApiError(Exception):
    """The API answered with an error (or could not be reached: 503 with Retry-After)."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: str | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        code = f"HTTP_{response.status_code}"
        message = FALLBACK_MESSAGES.get(response.status_code, "Something went wrong.")
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                code = str(error.get("code") or code)
                message = str(error.get("message") or message)
            elif isinstance(body.get("detail"), str):
                message = body["detail"]
        return cls(response.status_code, code, message, response.headers.get("retry-after"))


# asked of the API once more when its answer broke off: nginx's internal door sends the second
# try to a live process (a process that died mid-answer cannot be skipped by nginx any more, as
# it had passed the header on). Never a POST (it may have run), never after a timeout (a busy
# API is not asked twice). ADR 0020.
ASKED_AGAIN = frozenset({"GET", "HEAD"})


def broke_off(exc: httpx.HTTPError) -> bool:
    """The connection was refused, reset or closed before the answer was whole (not a
    timeout): the process that took it died or closed."""
    return isinstance(exc, httpx.TransportError) and not isinstance(exc, httpx.TimeoutException)


async def asked_again_if_broken(method: str, ask: Callable[[], Awaitable[Answer]]) -> Answer:
    """`ask()`; for a GET or HEAD whose answer broke off, `ask()` once more (ASKED_AGAIN).
    Raises httpx.HTTPError as the last try did."""
    try:
        return await ask()
    except httpx.HTTPError as exc:
        if method not in ASKED_AGAIN or not broke_off(exc):
            raise
    return await ask()


def unreachable() -> ApiError:
    """The API could not be reached (refused, reset, no route): down or restarting."""
    return ApiError(503, "API_UNREACHABLE", UNREACHABLE_MESSAGE, str(UNREACHABLE_RETRY_AFTER_S))


def forwarded_headers(conn: HTTPConnection) -> dict[str, str]:
    """Headers that tell the API who the real client is (for its per-IP rate limits)."""
    headers: dict[str, str] = {}
    # the peer as uvicorn saw it (it already resolved trusted proxies); an incoming
    # X-Forwarded-For is not passed on, so a browser cannot pick its own rate-limit bucket
    client = conn.client.host if conn.client else None
    if client:
        headers["x-forwarded-for"] = client
    request_id = conn.headers.get("x-request-id")
    if request_id:
        headers["x-request-id"] = request_id
    return headers


class ApiClient:
    """One page render's view of the API, acting as the learner whose cookie came in."""

    def __init__(self, http: httpx.AsyncClient, conn: HTTPConnection) -> None:
        self.http = http
        self.token = session_token(conn)
        self.headers = forwarded_headers(conn)
        # the API counts one page's calls once against the learner's request budget
        self.headers["x-coderunner-page"] = secrets.token_hex(12)

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = dict(self.headers)
        if token:
            headers["authorization"] = f"Bearer {token}"
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Any:
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = await asked_again_if_broken(
                method,
                lambda: self.http.request(
                    method,
                    path,
                    json=json,
                    params=clean_params or None,
                    headers=self._headers(token or self.token),
                ),
            )
        except httpx.ConnectTimeout as exc:
            raise unreachable() from exc
        except httpx.TimeoutException as exc:
            raise ApiError(503, "API_TIMEOUT", TIMEOUT_MESSAGE, str(TIMEOUT_RETRY_AFTER_S)) from exc
        except httpx.HTTPError as exc:
            raise unreachable() from exc
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(502, "BAD_API_RESPONSE", BAD_RESPONSE_MESSAGE) from exc

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params=params)

    async def read(self, model: type[Model], path: str, **params: Any) -> Model:
        """GET `path` as the API's response schema `model`."""
        return parse(model, await self.get(path, **params))

    async def read_list(self, model: type[Model], path: str, **params: Any) -> list[Model]:
        """GET `path`, a JSON list of `model`."""
        return parse_list(model, await self.get(path, **params))

    async def post(self, path: str, json: Any = None, *, token: str | None = None) -> Any:
        return await self.request("POST", path, json=json, token=token)

    async def put(self, path: str, json: Any = None) -> Any:
        return await self.request("PUT", path, json=json)

    async def patch(self, path: str, json: Any = None) -> Any:
        return await self.request("PATCH", path, json=json)

    async def delete(self, path: str) -> Any:
        return await self.request("DELETE", path)
