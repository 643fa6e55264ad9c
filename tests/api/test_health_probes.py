"""Liveness and readiness: what an orchestrator or a balancer is told, part by part.

`/health/live` asks nothing (an outage is no reason to restart a process); `/health/ready`
refuses only while the API is starting or its database is down, and reports the rest as
`degraded` with 200, so a Redis outage does not take every API process out of service.
The real outages (Redis and PostgreSQL stopped) are in tests/execution/test_drills.py.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI


async def _down() -> dict[str, Any]:
    return {"status": "down", "detail": "ConnectionRefusedError (database)"}


async def _broken() -> dict[str, Any]:
    raise ConnectionError("queue down")


async def test_ready_and_live_when_every_part_is_ok(client: httpx.AsyncClient) -> None:
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ok"
    assert ready.json()["checks"]["db"]["status"] == "ok"
    live = await client.get("/health/live")
    assert live.status_code == 200
    assert live.json()["status"] == "alive"


async def test_a_queue_or_redis_outage_is_degraded_but_ready(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.health_checks["queues"] = _broken
    app.state.health_checks["redis"] = _down
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "degraded"
    assert body["checks"]["queues"]["status"] == "down"
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["db"]["status"] == "ok"
    # the full report still says it is not healthy
    assert (await client.get("/health")).status_code == 503


async def test_a_database_outage_is_not_ready_but_alive(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.health_checks["db"] = _down
    ready = await client.get("/health/ready")
    assert ready.status_code == 503, ready.text
    assert ready.json()["status"] == "down"
    assert int(ready.headers["retry-after"]) >= 1
    assert (await client.get("/health")).json()["status"] == "down"
    live = await client.get("/health/live")
    assert live.status_code == 200


async def test_a_starting_api_is_not_ready_but_alive(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.starting = True
    try:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["status"] == "starting"
        assert int(ready.headers["retry-after"]) >= 1
        assert (await client.get("/health/live")).status_code == 200
    finally:
        app.state.starting = False


async def test_a_full_data_disk_leaves_it_ready_for_reads(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async def cannot_write() -> dict[str, Any]:
        return {"status": "degraded", "detail": "the disk is full"}

    app.state.health_checks["db"] = cannot_write
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "degraded"
