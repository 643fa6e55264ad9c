"""Execution tests: the real app (embedded workers, real sandbox) over SQLite and PostgreSQL.

The API tests' fixtures and helpers are reused from tests/api/conftest.py (loaded by path, so
their file stays theirs): `database_url` runs each test on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

_API_CONFTEST = Path(__file__).resolve().parents[1] / "api" / "conftest.py"
_spec = importlib.util.spec_from_file_location("coderunner_tests_api_helpers", _API_CONFTEST)
assert _spec is not None
assert _spec.loader is not None
api = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = api
_spec.loader.exec_module(api)

# their fixtures, available here under the same names
sqlite_url = api.sqlite_url
postgres_url = api.postgres_url
database_url = api.database_url
settings = api.settings
app = api.app
client = api.client
learner = api.learner
teacher = api.teacher
admin = api.admin
problem = api.problem

Account = api.Account
register = api.register
problem_payload = api.problem_payload
SECRET_MARKERS: tuple[str, ...] = api.SECRET_MARKERS
TEST_SECRET: str = api.TEST_SECRET
make_settings = api.make_settings
truncate_all = api.truncate_all
PG_ADMIN_DSN: str = api.PG_ADMIN_DSN

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
    client: httpx.AsyncClient, job_id: str, headers: dict[str, str], within_s: float = 30
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


async def wait_until(
    check: Callable[[], Awaitable[bool]], within_s: float, what: str, every_s: float = 0.1
) -> None:
    deadline = time.monotonic() + within_s
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(every_s)


async def add_problem(
    client: httpx.AsyncClient, teacher: Any, problem_id: str, **overrides: Any
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
