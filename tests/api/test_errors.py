"""Bad input never yields a 500: oversized, malformed, wrong types, unknown routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.support.app import Account, problem_payload


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


async def test_nul_characters_are_refused_not_500(
    client: httpx.AsyncClient, learner: Account
) -> None:
    # PostgreSQL text cannot hold NUL: without the guard these would be 500s there
    login = await client.post("/auth/login", json={"username": "a\x00b", "password": "x" * 9})
    assert login.status_code == 422
    patch = await client.patch(
        "/auth/me", json={"displayName": "bad\x00name"}, headers=learner.headers
    )
    assert patch.status_code == 422
    for url in ("/problems?q=%00", "/problems/abc%00def", "/cheatsheets/x%00"):
        response = await client.get(url)
        assert response.status_code == 400, url
        assert response.json()["error"]["code"] == "BAD_REQUEST"


async def test_problem_comparison_and_limits_are_validated_and_stored_camel_case(
    client: httpx.AsyncClient, teacher: Account
) -> None:
    for bad in (
        {"comparison": {"mode": "fuzzy"}},
        {"comparison": {"mode": "float", "tolerance": -1}},
        {"limits": {"timeLimitS": 999}},
        {"limits": {"memoryMb": 4}},
        {"limits": {"cpuCores": 64}},
    ):
        response = await client.post(
            "/problems", json=problem_payload("bad-one", **bad), headers=teacher.headers
        )
        assert response.status_code == 422, bad
    nan = await client.post(
        "/problems",
        content=b'{"id": "nan-one", "title": "t", "ageGroup": "7-9", "levelNumber": 1,'
        b' "comparison": {"mode": "float", "tolerance": NaN}}',
        headers={**teacher.headers, "Content-Type": "application/json"},
    )
    assert nan.status_code == 422
    body = problem_payload(
        "limited", comparison={"mode": "float", "tolerance": 0.01}, limits={"timeLimitS": 2}
    )
    created = await client.post("/problems", json=body, headers=teacher.headers)
    assert created.status_code == 201, created.text
    assert created.json()["comparison"] == {"mode": "float", "tolerance": 0.01}
    assert created.json()["limits"] == {"timeLimitS": 2.0}
    assert (await client.get("/problems/limited")).json()["limits"] == {"timeLimitS": 2.0}
