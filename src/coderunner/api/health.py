"""GET /health and /health/redis, over a registry of named async checks.

Other packages add checks to the app's registry, at build time or start-up:
`app.state.health_checks["sandbox"] = my_check`, where `my_check` is `async () -> dict` returning
at least `{"status": "ok" | "disabled" | "error"}`. A check that raises or takes longer than
3 s counts as `error`; any check not ok/disabled makes `/health` answer 503 `degraded`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
HEALTHY = {"ok", "disabled"}
CHECK_TIMEOUT_S = 3.0
SERVICE_NAME = "coderunner-api"

router = APIRouter(tags=["health"])


class CheckResult(BaseModel):
    model_config = {"extra": "allow"}
    status: str


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    timestamp: datetime
    service: str
    checks: dict[str, CheckResult]


def db_check(engine: AsyncEngine) -> HealthCheck:
    async def check() -> dict[str, Any]:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return {"status": "ok", "backend": engine.dialect.name}

    return check


def redis_check(redis: Redis | None) -> HealthCheck:
    async def check() -> dict[str, Any]:
        if redis is None:
            return {"status": "disabled", "detail": "REDIS_URL not set; in-memory mode"}
        await redis.ping()
        return {"status": "ok"}

    return check


async def run_check(check: HealthCheck) -> dict[str, Any]:
    try:
        result = await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except TimeoutError:
        return {"status": "error", "detail": "timed out"}
    except Exception as exc:
        return {"status": "error", "detail": type(exc).__name__}
    return result if "status" in result else {"status": "error", "detail": "no status"}


def install_default_checks(app: FastAPI) -> None:
    """Add the db and redis checks (at start-up, once engine and Redis exist)."""
    checks: dict[str, HealthCheck] = app.state.health_checks
    checks["db"] = db_check(app.state.engine)
    checks["redis"] = redis_check(app.state.redis)


def _respond(checks: dict[str, dict[str, Any]]) -> JSONResponse:
    healthy = all(c.get("status") in HEALTHY for c in checks.values())
    body = HealthOut(
        status="ok" if healthy else "degraded",
        timestamp=datetime.now(UTC),
        service=SERVICE_NAME,
        checks={name: CheckResult(**c) for name, c in checks.items()},
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if healthy else 503)


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health(request: Request) -> JSONResponse:
    registry: dict[str, HealthCheck] = request.app.state.health_checks
    names = list(registry)
    results = await asyncio.gather(*(run_check(registry[n]) for n in names))
    return _respond(dict(zip(names, results, strict=True)))


@router.get("/health/redis", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health_redis(request: Request) -> JSONResponse:
    registry: dict[str, HealthCheck] = request.app.state.health_checks
    return _respond({"redis": await run_check(registry["redis"])})
