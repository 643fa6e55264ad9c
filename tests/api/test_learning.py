"""Learning sessions (server-side time, capped gaps) and progress (record_submission)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from coderunner.db.base import utcnow
from coderunner.kernel.errors import NotFound
from coderunner.progress.service import record_submission
from coderunner.sessions.models import LearningSession
from tests.support.app import Account


async def _age_heartbeat(app: FastAPI, session_id: str, seconds: int) -> None:
    """Pretend the last heartbeat (and so the time counted so far) was `seconds` ago."""
    then = utcnow() - timedelta(seconds=seconds)
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(LearningSession)
            .where(LearningSession.id == session_id)
            .values(last_heartbeat_at=then, counted_until=then)
        )
        await session.commit()


@pytest.mark.parametrize("settings_overrides", [{"session_heartbeat_cap_s": 60}])
async def test_session_time_is_server_side_and_capped(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    started = await client.post(
        "/sessions",
        json={"ageGroup": "10-12", "levelNumber": 1, "problemId": problem["id"]},
        headers=learner.headers,
    )
    assert started.status_code == 201
    sid = started.json()["id"]
    assert started.json()["activeSeconds"] == 0

    await _age_heartbeat(app, sid, 30)
    beat = await client.post(f"/sessions/{sid}/heartbeat", headers=learner.headers)
    assert beat.status_code == 200
    assert 30 <= beat.json()["activeSeconds"] <= 31

    await _age_heartbeat(app, sid, 3600)  # the learner walked away: only the cap counts
    beat = await client.post(f"/sessions/{sid}/heartbeat", headers=learner.headers)
    assert 90 <= beat.json()["activeSeconds"] <= 91

    ended = await client.post(f"/sessions/{sid}/end", headers=learner.headers)
    assert ended.status_code == 200
    assert ended.json()["endedAt"] is not None
    again = await client.post(f"/sessions/{sid}/heartbeat", headers=learner.headers)
    assert again.status_code == 409

    listed = (await client.get("/sessions", headers=learner.headers)).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == sid
    progress = (await client.get("/progress", headers=learner.headers)).json()
    assert 90 <= progress["problems"][0]["timeSpentS"] <= 91


async def test_parallel_sessions_never_count_more_than_wall_time(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    """20 tabs open on one problem for 3 s of wall time count 3 s, not 60."""
    body = {"ageGroup": "10-12", "levelNumber": 1, "problemId": problem["id"]}
    ids = []
    for _ in range(20):
        started = await client.post("/sessions", json=body, headers=learner.headers)
        assert started.status_code == 201
        ids.append(started.json()["id"])
    for sid in ids:
        await _age_heartbeat(app, sid, 3)
    for sid in ids:
        beat = await client.post(f"/sessions/{sid}/heartbeat", headers=learner.headers)
        assert beat.status_code == 200
    listed = (await client.get("/sessions?pageSize=50", headers=learner.headers)).json()
    total = sum(s["activeSeconds"] for s in listed["items"])
    assert 3 <= total <= 5, total
    progress = (await client.get("/progress", headers=learner.headers)).json()
    assert progress["problems"][0]["timeSpentS"] == total
    # and a tab that comes back after everything was counted adds only the new seconds
    await asyncio.sleep(1.1)
    again = await client.post(f"/sessions/{ids[0]}/heartbeat", headers=learner.headers)
    assert (
        1
        <= again.json()["activeSeconds"]
        - next(s["activeSeconds"] for s in listed["items"] if s["id"] == ids[0])
        <= 3
    )


async def test_session_needs_login_and_a_real_problem(
    client: httpx.AsyncClient, learner: Account
) -> None:
    response = await client.post(
        "/sessions",
        json={"ageGroup": "10-12", "levelNumber": 1, "problemId": "no-such"},
        headers=learner.headers,
    )
    assert response.status_code == 404
    anonymous = await client.post("/sessions", json={"ageGroup": "7-9", "levelNumber": 1})
    assert anonymous.status_code == 401


async def test_record_submission_awards_xp_once(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    pid = problem["id"]
    async with app.state.sessionmaker() as session:
        first = await record_submission(session, learner.id, pid, 0.5, False)
        assert first.status == "attempted"
        await session.commit()
    async with app.state.sessionmaker() as session:
        await record_submission(session, learner.id, pid, 1.0, True)
        await record_submission(session, learner.id, pid, 0.0, False)
        await record_submission(session, learner.id, pid, 1.0, True)
        await session.commit()
    body = (await client.get("/progress", headers=learner.headers)).json()
    [row] = body["problems"]
    assert row["problemId"] == pid
    assert row["status"] == "solved"  # a later failure does not un-solve
    assert row["attempts"] == 4
    assert row["bestPassRate"] == 1.0
    assert row["xpAwarded"] == 15
    assert row["firstSolvedAt"] is not None
    assert body["totalXp"] == 15
    assert body["solvedCount"] == 1
    assert body["levels"] == [
        {
            "ageGroup": "10-12",
            "levelNumber": 1,
            "totalProblems": 1,
            "solved": 1,
            "attempted": 0,
            "xp": 15,
        }
    ]


async def test_record_submission_rolls_back_with_the_callers_transaction(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    async with app.state.sessionmaker() as session:
        await record_submission(session, learner.id, problem["id"], 1.0, True)
        await session.rollback()
    body = (await client.get("/progress", headers=learner.headers)).json()
    assert body["problems"] == []
    async with app.state.sessionmaker() as session:
        with pytest.raises(NotFound):
            await record_submission(session, learner.id, "missing", 1.0, True)


async def test_progress_is_per_user(
    client: httpx.AsyncClient,
    app: FastAPI,
    learner: Account,
    teacher: Account,
    problem: dict[str, Any],
) -> None:
    async with app.state.sessionmaker() as session:
        await record_submission(session, teacher.id, problem["id"], 1.0, True)
        await session.commit()
    assert (await client.get("/progress", headers=learner.headers)).json()["totalXp"] == 0
    assert (await client.get("/progress", headers=teacher.headers)).json()["totalXp"] == 15
    assert (await client.get("/progress")).status_code == 401


async def test_concurrent_writes_do_not_fail(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    """Read-then-write requests racing each other (SQLite: 'database is locked' otherwise)."""
    sessions = []
    for _ in range(4):
        started = await client.post(
            "/sessions",
            json={"ageGroup": "10-12", "levelNumber": 1, "problemId": problem["id"]},
            headers=learner.headers,
        )
        sessions.append(started.json()["id"])
    for sid in sessions:
        await _age_heartbeat(app, sid, 5)
    calls = [
        client.post(f"/sessions/{sid}/{action}", headers=learner.headers)
        for sid in sessions
        for action in ("heartbeat", "heartbeat", "heartbeat", "end")
    ]
    calls += [
        client.patch("/auth/me", json={"displayName": f"n{i}"}, headers=learner.headers)
        for i in range(8)
    ]
    responses = await asyncio.gather(*calls)
    codes = sorted({r.status_code for r in responses})
    assert set(codes) <= {200, 409}, [r.text for r in responses if r.status_code >= 500][:1]
    progress = (await client.get("/progress", headers=learner.headers)).json()
    [row] = progress["problems"]
    listed = (await client.get("/sessions", headers=learner.headers)).json()["items"]
    assert row["timeSpentS"] == sum(s["activeSeconds"] for s in listed)
