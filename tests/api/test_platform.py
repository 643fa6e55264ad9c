"""Health, security headers, CORS, request ids, OpenAPI, rate limits (memory and Redis)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import func, select

from coderunner.api.app import create_app
from coderunner.auth.models import RevokedToken
from coderunner.config import Settings
from tests.support.app import PASSWORD, Account, make_settings, register, running_app
from tests.support.env import REDIS_URL


async def test_health_reports_db_and_redis(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["service"] == "coderunner-api"
    assert body["timestamp"]
    backend = "sqlite" if settings.is_sqlite else "postgresql"
    assert body["checks"]["db"] == {"status": "ok", "backend": backend}
    assert body["checks"]["redis"]["status"] == "disabled"
    redis = await client.get("/health/redis")
    assert redis.status_code == 200
    assert list(redis.json()["checks"]) == ["redis"]


async def test_health_check_registry_degrades(client: httpx.AsyncClient, app: FastAPI) -> None:
    async def sandbox_ok() -> dict[str, Any]:
        return {"status": "ok", "selftest": "passed"}

    async def queue_broken() -> dict[str, Any]:
        raise ConnectionError("queue down")

    app.state.health_checks["sandbox"] = sandbox_ok
    assert (await client.get("/health")).json()["checks"]["sandbox"]["selftest"] == "passed"
    app.state.health_checks["queue"] = queue_broken
    response = await client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["queue"]["status"] == "down"
    assert body["checks"]["queue"]["detail"].startswith("ConnectionError")
    assert response.headers["retry-after"]


async def test_security_headers_and_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/levels", headers={"X-Request-ID": "abc-123"})
    h = response.headers
    assert h["x-request-id"] == "abc-123"
    assert "default-src 'none'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    assert h["cross-origin-opener-policy"] == "same-origin"
    assert h["cross-origin-resource-policy"] == "same-origin"
    assert "strict-transport-security" not in h  # plain http: no HSTS
    bad_id = await client.get("/levels", headers={"X-Request-ID": "bad id\twith junk"})
    assert bad_id.headers["x-request-id"] != "bad id\twith junk"
    assert len(bad_id.headers["x-request-id"]) == 32
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]


async def test_hsts_only_over_tls(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://secure") as c:
        response = await c.get("/levels")
    assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize(
    "settings_overrides", [{"cors_origin": "https://school.example,http://localhost:3000"}]
)
async def test_cors_whitelist(client: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    ok = await client.options(
        "/auth/login", headers={"Origin": "https://school.example", **preflight}
    )
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://school.example"
    evil = await client.options(
        "/auth/login", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in evil.headers
    simple = await client.get("/levels", headers={"Origin": "http://localhost:3000"})
    assert simple.headers["access-control-allow-origin"] == "http://localhost:3000"


async def test_openapi_describes_every_route(client: httpx.AsyncClient, app: FastAPI) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for route in (
        "/auth/register",
        "/auth/login",
        "/auth/me",
        "/auth/logout",
        "/levels",
        "/levels/{age_group}",
        "/levels/{age_group}/{level_number}",
        "/problems",
        "/problems/{problem_id}",
        "/problems/{problem_id}/full",
        "/sessions",
        "/sessions/{session_id}/heartbeat",
        "/sessions/{session_id}/end",
        "/progress",
        "/cheatsheets",
        "/cheatsheets/{slug}",
        "/health",
        "/health/redis",
    ):
        assert route in paths, route
    for path, operations in paths.items():
        for method, operation in operations.items():
            ok = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
            assert ok, (method, path)
            for code, response in ok.items():
                if code == "204":
                    continue
                content = response["content"]
                assert content, (method, path)
                if "application/json" in content:  # (/metrics is text, streams are SSE)
                    assert content["application/json"]["schema"], (method, path)
    props = spec["components"]["schemas"]["ProblemOut"]["properties"]
    assert "starterCode" in props
    assert "referenceSolution" not in props


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limit_max_requests": 5, "rate_limit_window_ms": 60_000}]
)
async def test_default_rate_limit_per_ip(client: httpx.AsyncClient, app: FastAPI) -> None:
    codes = [(await client.get("/levels")).status_code for _ in range(5)]
    assert codes == [200] * 5
    limited = await client.get("/levels")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/health")).status_code == 200  # health is never throttled
    other = httpx.ASGITransport(app=app, client=("10.9.9.9", 1234))
    async with httpx.AsyncClient(transport=other, base_url="http://testserver") as c:
        assert (await c.get("/levels")).status_code == 200  # another IP has its own budget


@pytest.mark.parametrize(
    "settings_overrides",
    [{"rate_limit_max_requests": 2, "trusted_proxies": "10.1.2.3"}],
)
async def test_forwarded_for_only_from_trusted_proxies(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # the test client's peer 10.1.2.3 is a trusted proxy: each forwarded client has its budget
    for ip in ("1.1.1.1", "2.2.2.2"):
        for _ in range(2):
            assert (await client.get("/levels", headers={"X-Forwarded-For": ip})).status_code == 200
    assert (await client.get("/levels", headers={"X-Forwarded-For": "1.1.1.1"})).status_code == 429
    # an untrusted peer cannot dodge its limit by sending X-Forwarded-For
    untrusted = httpx.ASGITransport(app=app, client=("203.0.113.7", 1))
    async with httpx.AsyncClient(transport=untrusted, base_url="http://testserver") as c:
        codes = [
            (await c.get("/levels", headers={"X-Forwarded-For": f"9.9.9.{i}"})).status_code
            for i in range(3)
        ]
    assert codes == [200, 200, 429]


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"crtest-{secrets.token_hex(6)}"
    yield prefix
    redis = Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def _redis_keys(prefix: str) -> list[bytes]:
    redis = Redis.from_url(REDIS_URL)
    try:
        return [key async for key in redis.scan_iter(match=f"{prefix}*")]
    finally:
        await redis.aclose()


@pytest.mark.redis
async def test_redis_rate_limit_is_shared_between_processes(
    database_url: str, tmp_path: Any, redis_prefix: str
) -> None:
    settings = make_settings(
        database_url,
        tmp_path / "data",
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix,
        rate_limit_max_requests=4,
    )
    first, second = create_app(settings), create_app(settings)  # two API processes
    async with (
        LifespanManager(first, startup_timeout=60, shutdown_timeout=60),
        LifespanManager(second, startup_timeout=60, shutdown_timeout=60),
    ):
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=a, client=("10.5.5.5", 1)),
                base_url="http://testserver",
            )
            for a in (first, second)
        ]
        codes = [(await clients[i % 2].get("/levels")).status_code for i in range(5)]
        health = (await clients[0].get("/health/redis")).json()
        for c in clients:
            await c.aclose()
    assert codes == [200, 200, 200, 200, 429]
    assert health["checks"]["redis"]["status"] == "ok"
    assert await _redis_keys(redis_prefix)  # the counters live in Redis


@pytest.mark.redis
async def test_redis_revocation_and_login_failures(
    database_url: str, tmp_path: Any, redis_prefix: str
) -> None:
    settings = make_settings(
        database_url,
        tmp_path / "data",
        redis_url=REDIS_URL,
        redis_prefix=redis_prefix,
        auth_failure_limit=2,
    )
    async with running_app(settings) as (app, c):
        account: Account = await register(c, "redis_kid")
        assert (await c.post("/auth/logout", headers=account.headers)).status_code == 200
        assert (await c.get("/auth/me", headers=account.headers)).status_code == 401
        # revocations live in the database, never only in Redis (a restart would lose them)
        assert not [k for k in await _redis_keys(redis_prefix) if b":revoked:" in k]
        async with app.state.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(RevokedToken)) == 1
        bad = {"username": "redis_kid", "password": "nope-nope-nope"}
        codes = [(await c.post("/auth/login", json=bad)).status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        good = {"username": "redis_kid", "password": PASSWORD}
        assert (await c.post("/auth/login", json=good)).status_code == 429


async def test_extension_hooks_and_checks_survive_startup(settings: Settings) -> None:
    """What `coderunner.execution.setup(app, settings)` relies on."""
    app = create_app(settings)
    calls: list[str] = []

    async def on_start(a: FastAPI) -> None:
        assert a.state.engine is not None  # resources are open when hooks run
        calls.append("start")

    async def on_stop(a: FastAPI) -> None:
        calls.append("stop")

    async def queue_check() -> dict[str, Any]:
        return {"status": "ok", "depth": 0}

    app.state.startup_hooks.append(on_start)
    app.state.shutdown_hooks.append(on_stop)
    app.state.health_checks["queue"] = queue_check
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        assert calls == ["start"]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            checks = (await c.get("/health")).json()["checks"]
    assert set(checks) >= {"db", "redis", "queue"}
    assert calls == ["start", "stop"]
