"""Bad input never yields a 500: oversized, malformed, wrong types, unknown routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from .conftest import Account


async def test_unknown_route_and_method_are_json(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    wrong_method = await client.delete("/levels")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"username": "abc", "password": ', b"[]", b"null", b'"str"', b"\xff\xfe"],
)
async def test_malformed_json_is_422(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["code"] in ("VALIDATION_ERROR", "BAD_REQUEST")


async def test_wrong_types_and_query_values(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/login", json={"username": ["a"], "password": {"x": 1}})
    assert response.status_code == 422
    for url in (
        "/problems?page=0",
        "/problems?pageSize=1000",
        "/problems?level=abc",
        "/levels/7-9/notanumber",
        "/levels/99-100",
        "/problems?ageGroup=adults",
    ):
        response = await client.get(url)
        assert response.status_code == 422, url
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 2048}])
async def test_oversized_body_by_content_length_is_413(
    client: httpx.AsyncClient, learner: Account
) -> None:
    big = {"username": "x" * 10, "password": "y" * 5000}
    response = await client.post("/auth/login", json=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 2048}])
async def test_oversized_streamed_body_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"username": "abc", "password": "'
        for _ in range(10):
            yield b"z" * 512
        yield b'"}'

    response = await client.post(
        "/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 2048}])
async def test_body_under_the_limit_passes(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"username": "small_one", "password": "'
        yield b"p" * 100
        yield b'"}'

    response = await client.post(
        "/auth/register", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201


async def test_unhandled_exception_is_json_500_with_request_id(app: FastAPI) -> None:
    async def boom() -> None:
        raise RuntimeError("kaboom")

    app.add_api_route("/__boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/__boom", headers={"X-Request-ID": "req-abc-123"})
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "INTERNAL_ERROR"
    assert body["error"]["requestId"] == "req-abc-123"
    assert "kaboom" not in response.text
