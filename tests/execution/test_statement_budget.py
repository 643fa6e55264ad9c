"""What one trivial job costs the embedded database: a regression guard on the hot path.

On SQLite every statement is a trip to aiosqlite's thread (see docs/adr/0004); a trivial
`run?wait=true` job used to make 55. The budget below is the whole job: the caller's token and
the admission (one transaction), claim, result, and the answer (from the finishing worker's
event, not a re-read).
"""

from __future__ import annotations

import collections
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coderunner.db import sqlite_async


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_trivial_run_keeps_to_its_statement_budget(
    app: FastAPI, client: httpx.AsyncClient, learner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await app.state.execution.sweeper.stop()  # its periodic queries are not the job's
    body = {"code": "print(1)"}
    warm = await client.post("/execution/run?wait=true", json=body, headers=learner.headers)
    assert warm.status_code == 200, warm.text

    statements: list[tuple[str | None, str]] = []
    ends: collections.Counter[str] = collections.Counter()
    real_run = sqlite_async._run

    def run(raw: Any, begin: str | None, operation: str, parameters: Any, many: bool) -> Any:
        statements.append((begin, " ".join(operation.split()[:3])))
        return real_run(raw, begin, operation, parameters, many)

    real_commit = sqlite_async.OneTripConnection.commit
    real_rollback = sqlite_async.OneTripConnection.rollback

    def commit(self: sqlite_async.OneTripConnection) -> None:
        ends["commit"] += 1
        real_commit(self)

    def rollback(self: sqlite_async.OneTripConnection) -> None:
        ends["rollback"] += 1
        real_rollback(self)

    monkeypatch.setattr(sqlite_async, "_run", run)
    monkeypatch.setattr(sqlite_async.OneTripConnection, "commit", commit)
    monkeypatch.setattr(sqlite_async.OneTripConnection, "rollback", rollback)

    response = await client.post("/execution/run?wait=true", json=body, headers=learner.headers)
    assert response.status_code == 200, response.text
    assert response.json()["result"]["stdout"] == "1\n"

    assert statements == [
        # the request is a writer from its first statement: the token's user and revocation…
        ("BEGIN IMMEDIATE", "SELECT users.id, users.username,"),
        (None, "INSERT INTO execution_jobs"),  # …then the admission: the job…
        (None, "SELECT (SELECT count(*)"),  # …and the counts of the queue and the learner's jobs
        ("BEGIN", "UPDATE execution_jobs SET"),  # the worker's claim (RETURNING the row)
        # what the learner had before the result, for their celebrations, read outside the
        # write so SQLite's write lock is not held for it: the answers, not the history (has
        # a job finished, failed, been fixed; the days with code); a run solves nothing, so
        # the hint-free solves are not counted for it…
        ("BEGIN", "SELECT users.id, users.username,"),
        (None, "SELECT EXISTS (SELECT"),
        (None, "SELECT DISTINCT date(execution_jobs.created_at)"),
        # …then the result, a writer from its first statement (on SQLite a deferred reader that
        # then writes after another commit fails, "database is locked"); a run solves nothing,
        # so what it changed for the celebrations needs no other read
        ("BEGIN IMMEDIATE", "UPDATE execution_jobs SET"),
    ]
    # the request (with the admission), the claim, the result; the reading session ends unwritten
    assert ends == {"commit": 3, "rollback": 1}
