"""GET /health, /health/live, /health/ready and /health/redis, over a registry of named checks.

- `/health/live`: the process answers HTTP (liveness: restart it only when this fails).
- `/health/ready`: it can serve (readiness: route requests to it): 503 while it is `starting` or
  while its database is `down`; otherwise 200, `ok` or `degraded` with each part (with Redis or
  the queues down, logins, pages and progress still work; only running code waits).
- `/health`: every part for people and monitoring: 503 `degraded` when any part is not ok.

Other packages add checks to the app's registry, at build time or start-up:
`app.state.health_checks["sandbox"] = my_check`, where `my_check` is `async () -> dict` returning
at least `{"status": "ok" | "disabled" | "degraded" | "down"}` (`error` is read as `down`). A
check that raises or takes longer than 3 s counts as `down`; any check not ok/disabled makes
`/health` answer 503 `degraded` with Retry-After. Until the API's start-up work (the sandbox
self-test) is done, `/health` answers 503 `starting`.

The database check writes: it rewrites this process's row of `health_heartbeat` and commits, so
a full disk or a read-only database shows as `degraded` (reads work, writes fail); `down` when
it cannot even read.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from coderunner.db.heartbeat import write_heartbeat
from coderunner.kernel.lifecycle import is_starting
from coderunner.kernel.outage import RETRY_AFTER_S, outage_of

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
HEALTHY = {"ok", "disabled"}
CHECK_TIMEOUT_S = 3.0
WRITE_TIMEOUT_S = 2.0
MIN_FREE_BYTES = 256 * 1024  # below this a SQLite data disk counts as full
SERVICE_NAME = "coderunner-api"

router = APIRouter(tags=["health"])


class CheckResult(BaseModel):
    model_config = {"extra": "allow"}
    status: str


class HealthOut(BaseModel):
    status: Literal["ok", "degraded", "starting", "down"]
    timestamp: datetime
    service: str
    checks: dict[str, CheckResult]


def _why(exc: BaseException) -> str:
    part = outage_of(exc)
    return f"{type(exc).__name__} ({part})" if part else type(exc).__name__


def _disk_full(engine: AsyncEngine) -> bool:
    """Whether a SQLite database's disk has (almost) no room left.

    A small committed write can still succeed on a full disk when SQLite reuses room already in
    its WAL file, so the write alone does not reveal it; the free space does.
    """
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return False
    try:
        stats = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < MIN_FREE_BYTES


def db_check(engine: AsyncEngine, name: str = SERVICE_NAME) -> HealthCheck:
    """ok: reads and a committed write work; degraded: reads only (disk full?); down: neither."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def check() -> dict[str, Any]:
        backend = engine.dialect.name
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure to connect means "down"
            return {"status": "down", "backend": backend, "detail": _why(exc)}
        if _disk_full(engine):
            return {"status": "degraded", "backend": backend, "detail": "the disk is full"}
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_S), sessions() as session:
                await write_heartbeat(session, name)
        except TimeoutError:
            return {"status": "degraded", "backend": backend, "detail": "write timed out"}
        except Exception as exc:  # noqa: BLE001 - any failure to write means "degraded"
            return {
                "status": "degraded",
                "backend": backend,
                "detail": f"cannot write: {_why(exc)}",
            }
        return {"status": "ok", "backend": backend}

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
        return {"status": "down", "detail": "timed out"}
    except Exception as exc:  # noqa: BLE001 - a check that breaks reports "down", not a 500
        return {"status": "down", "detail": _why(exc)}
    if "status" not in result:
        return {"status": "down", "detail": "no status"}
    if result["status"] == "error":
        return {**result, "status": "down"}
    return result


def install_default_checks(app: FastAPI) -> None:
    """Add the db and redis checks (at start-up, once engine and Redis exist)."""
    checks: dict[str, HealthCheck] = app.state.health_checks
    checks["db"] = db_check(
        app.state.engine, f"{SERVICE_NAME}:{socket.gethostname()}:{os.getpid()}"
    )
    checks["redis"] = redis_check(app.state.redis)


Status = Literal["ok", "degraded", "starting", "down"]


def _respond(
    checks: dict[str, dict[str, Any]], *, starting: bool = False, ready: bool = False
) -> JSONResponse:
    """`/health` (ready=False): 200 only when every part is ok. Readiness (ready=True): 200 unless
    starting or the database is down; a degraded part is reported, not refused."""
    healthy = all(c.get("status") in HEALTHY for c in checks.values())
    status: Status = "starting" if starting else "ok" if healthy else "degraded"
    if not starting and checks.get("db", {}).get("status") == "down":
        status = "down"
    body = HealthOut(
        status=status,
        timestamp=datetime.now(UTC),
        service=SERVICE_NAME,
        checks={name: CheckResult(**c) for name, c in checks.items()},
    )
    if status == "ok" or (ready and status == "degraded"):
        return JSONResponse(body.model_dump(mode="json"))
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _run_all(request: Request) -> dict[str, dict[str, Any]]:
    registry: dict[str, HealthCheck] = request.app.state.health_checks
    names = list(registry)
    results = await asyncio.gather(*(run_check(registry[n]) for n in names))
    return dict(zip(names, results, strict=True))


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health(request: Request) -> JSONResponse:
    """Every part: 200 `ok`, else 503 (`degraded`, `down` or `starting`) with Retry-After."""
    return _respond(await _run_all(request), starting=is_starting(request.app))


class LiveOut(BaseModel):
    status: Literal["alive"]
    timestamp: datetime
    service: str


@router.get("/health/live", response_model=LiveOut)
async def health_live() -> LiveOut:
    """Liveness: the process answers (no dependency is asked: an outage is no reason to restart)."""
    return LiveOut(status="alive", timestamp=datetime.now(UTC), service=SERVICE_NAME)


@router.get("/health/ready", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health_ready(request: Request) -> JSONResponse:
    """Readiness: 200 (`ok`, or `degraded` with the parts that are not) while this process can
    serve; 503 with Retry-After while it is starting or its database is down."""
    return _respond(await _run_all(request), starting=is_starting(request.app), ready=True)


@router.get("/health/redis", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health_redis(request: Request) -> JSONResponse:
    registry: dict[str, HealthCheck] = request.app.state.health_checks
    return _respond({"redis": await run_check(registry["redis"])})
