"""Execution tests: the real app (embedded workers, real sandbox) over SQLite and PostgreSQL
(the shared fixtures of tests/support/app.py: `database_url` runs each test on both)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.app import Account, problem_payload

TERMINAL = {"completed", "failed"}
SOLUTION = "print(input()[::-1])\n"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Fast heartbeats and no job rate limits unless a test asks for them."""
    return {
        "execution_rate_limit": 0,
        "submission_rate_limit": 0,
        "job_heartbeat_s": 0.5,
        "job_stale_s": 3,
    }


async def wait_job(
    client: httpx.AsyncClient, job_id: str, headers: dict[str, str], within_s: float = 120
) -> dict[str, Any]:
    """Poll GET /execution/{id} until the job finishes; fail the test if it does not."""
    deadline = time.monotonic() + within_s
    while True:
        response = await client.get(f"/execution/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in TERMINAL:
            return body
        assert time.monotonic() < deadline, f"job {job_id} still {body['status']}"
        await asyncio.sleep(0.1)


async def add_problem(
    client: httpx.AsyncClient, teacher: Account, problem_id: str, **overrides: Any
) -> dict[str, Any]:
    """A problem under level 10-12/1 (created when missing), authored over the API."""
    level = {"ageGroup": "10-12", "number": 1, "title": "Strings", "concepts": ["strings"]}
    await client.post("/levels", json=level, headers=teacher.headers)
    response = await client.post(
        "/problems", json=problem_payload(problem_id, **overrides), headers=teacher.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def pipeline_of(app: FastAPI) -> Any:
    return app.state.execution
