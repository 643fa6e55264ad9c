"""Celebration events over the real app (SQLite and PostgreSQL): recorded once in the grading
transaction, listed unseen, marked seen by their learner only, 4xx for bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from coderunner.auth.models import Role
from coderunner.celebrations import service
from coderunner.celebrations.models import Celebration
from coderunner.db.base import new_id
from coderunner.execution.models import ExecutionJob
from coderunner.progress.service import record_submission
from tests.support.app import Account, create_account, set_role
from tests.support.seeding import finished_job, seed_finished_runs, seed_levels

AGE = "10-12"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"embedded_workers": False}


async def graded(
    app: FastAPI, user_id: str, problem_id: str | None, solved: bool, kind: str = "submit"
) -> list[tuple[str, str]]:
    """A job as the worker finishes it: its row is there since it was sent (pending); then, in
    one transaction, note the learner's state, write the result and the progress, record what
    is new. Returns the (kind, key) of the events added."""
    verdict = "ACCEPTED" if solved else "WRONG_ANSWER"
    sent = finished_job(user_id, verdict, kind=kind, problem_id=problem_id)
    sent.id, sent.status, sent.verdict = new_id(), "pending", None
    job_id = sent.id
    async with app.state.sessionmaker() as session:
        session.add(sent)
        await session.commit()
    async with app.state.sessionmaker() as session:
        before = await service.before_job(session, user_id, problem_id)
        assert before is not None
        row = await session.get(ExecutionJob, job_id)
        assert row is not None
        row.status, row.verdict = "completed", verdict
        await session.flush()
        if problem_id is not None:
            await record_submission(session, user_id, problem_id, 1.0 if solved else 0.0, solved)
        added = await service.after_job(session, before, verdict)
        await session.commit()
    return [(e.kind, e.key) for e in added]


async def test_staff_trying_code_celebrate_nothing(
    app: FastAPI, client: httpx.AsyncClient, teacher: Account
) -> None:
    await seed_levels(app, AGE)
    async with app.state.sessionmaker() as session:
        assert await service.before_job(session, teacher.id, "p1-0") is None
        assert await service.before_job(session, "no-such-user", None) is None
    learner = await create_account(app, "promoted", age_group=AGE)
    await set_role(app, learner.id, Role.ADMIN)
    async with app.state.sessionmaker() as session:
        assert await service.before_job(session, learner.id, None) is None


async def unseen(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    response = await client.get("/celebrations", headers=account.headers)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


async def test_a_first_solve_is_celebrated_once_with_its_badges(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed_levels(app, AGE)
    added = await graded(app, learner.id, "p1-0", solved=True)
    assert sorted(added) == [
        ("badge", "first-run"),
        ("badge", "first-solve"),
        ("solved", "p1-0"),
    ]
    events = await unseen(client, learner)
    by_key = {e["key"]: e for e in events}
    assert by_key["p1-0"]["title"] == "Problem 1.0"
    assert by_key["p1-0"]["number"] == 10  # the XP it gave
    assert by_key["first-solve"]["title"] == "First steps"
    # solving it again is no new event, and neither is a failed try
    assert await graded(app, learner.id, "p1-0", solved=True) == []
    assert await graded(app, learner.id, "p1-1", solved=False) == []
    assert len(await unseen(client, learner)) == 3


async def test_a_try_that_solves_nothing_new_reads_no_levels(
    app: FastAPI, learner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Levels open on first solves only: a re-solve or a failed try (most submissions) skips
    reading them, before and after."""
    await seed_levels(app, AGE)
    await graded(app, learner.id, "p1-0", solved=True)
    reads: list[str] = []
    real = service._open_levels

    async def open_levels(*args: Any) -> dict[int, str]:
        reads.append(args[2])
        return await real(*args)

    monkeypatch.setattr(service, "_open_levels", open_levels)
    assert await graded(app, learner.id, "p1-0", solved=True) == []
    assert reads == []
    assert await graded(app, learner.id, "p1-1", solved=False) == []
    assert reads == [AGE]  # before only: it might have been a first solve
    assert ("solved", "p1-1") in await graded(app, learner.id, "p1-1", solved=True)
    assert reads == [AGE, AGE, AGE]


async def test_a_level_opens_once_and_several_badges_come_at_once(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed_levels(app, AGE)
    await graded(app, learner.id, "p1-0", solved=True)
    assert await graded(app, learner.id, "p1-1", solved=True) == [("solved", "p1-1")]
    third = await graded(app, learner.id, "p1-2", solved=True)
    assert ("level_open", f"{AGE}:2") in third
    level = next(e for e in await unseen(client, learner) if e["kind"] == "level_open")
    assert (level["number"], level["ageGroup"], level["title"]) == (2, AGE, "Level 2")
    await graded(app, learner.id, "p1-3", solved=True)
    fifth = await graded(app, learner.id, "p1-4", solved=True)
    # five solves, five without a hint, a whole level: three badges in one moment
    assert sorted(k for kind, k in fifth if kind == "badge") == [
        "five-solves",
        "level-complete",
        "solo-explorer",
    ]
    assert not any(kind == "level_open" for kind, _ in fifth)  # level 2 was open already
    async with app.state.sessionmaker() as session:
        count = await session.scalar(
            select(func.count(Celebration.id)).where(Celebration.kind == "level_open")
        )
    assert count == 1


async def test_what_was_earned_before_is_not_told_as_new(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    """ "New" is what a job changed, not a recount: badges earned before are no events."""
    await seed_levels(app, AGE)
    async with app.state.sessionmaker() as session:
        for i in range(3):
            await record_submission(session, learner.id, f"p1-{i}", 1.0, True)
        await session.commit()
    added = await graded(app, learner.id, "p2-0", solved=True)
    assert sorted(added) == [("badge", "first-run"), ("solved", "p2-0")]


async def test_a_run_can_earn_an_effort_badge(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    assert await graded(app, learner.id, None, solved=False, kind="run") == [("badge", "first-run")]
    assert await graded(app, learner.id, None, solved=True, kind="run") == [("badge", "first-fix")]
    assert await graded(app, learner.id, None, solved=True, kind="run") == []


async def test_a_fix_is_told_only_after_a_failure(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    assert await graded(app, learner.id, None, solved=True, kind="run") == [("badge", "first-run")]
    assert await graded(app, learner.id, None, solved=False, kind="run") == []
    assert await graded(app, learner.id, None, solved=False, kind="run") == []
    assert await graded(app, learner.id, None, solved=True, kind="run") == [("badge", "first-fix")]


async def test_a_fix_is_told_after_a_long_history(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    """Thousands of good runs, told nothing now (earned before), then the first failure and
    its fix: the fix is told, however long the history before it."""
    await seed_finished_runs(app, learner.id, 5001, datetime.now(UTC) - timedelta(days=1000))
    assert await graded(app, learner.id, None, solved=True, kind="run") == []
    assert await graded(app, learner.id, None, solved=False, kind="run") == []
    assert await graded(app, learner.id, None, solved=True, kind="run") == [("badge", "first-fix")]


async def test_a_streak_milestone_is_told_on_the_day_it_is_reached(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    now = datetime.now(UTC)
    async with app.state.sessionmaker() as session:
        for days_ago in (2, 1):
            session.add(
                finished_job(
                    learner.id, "OK", kind="run", created_at=now - timedelta(days=days_ago)
                )
            )
        await session.commit()
    added = await graded(app, learner.id, None, solved=True, kind="run")
    key = f"3:{now.date().isoformat()}"
    assert ("streak", key) in added
    assert await graded(app, learner.id, None, solved=True, kind="run") == []
    streak = next(e for e in await unseen(client, learner) if e["kind"] == "streak")
    assert streak["number"] == 3


async def test_seen_is_marked_once_and_only_by_the_learner(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed_levels(app, AGE)
    other = await create_account(app, "learner2", age_group=AGE)
    await graded(app, learner.id, "p1-0", solved=True)
    await graded(app, other.id, "p1-0", solved=True)
    mine = [e["id"] for e in await unseen(client, learner)]
    theirs = [e["id"] for e in await unseen(client, other)]
    assert mine
    assert theirs
    assert not set(mine) & set(theirs)

    # another learner's ids change nothing
    response = await client.post("/celebrations/seen", json={"ids": mine}, headers=other.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"marked": 0}
    assert [e["id"] for e in await unseen(client, learner)] == mine

    first = await client.post("/celebrations/seen", json={"ids": mine[:1]}, headers=learner.headers)
    assert first.json() == {"marked": 1}
    assert [e["id"] for e in await unseen(client, learner)] == mine[1:]
    again = await client.post("/celebrations/seen", json={"ids": mine}, headers=learner.headers)
    assert again.json() == {"marked": len(mine) - 1}
    repeat = await client.post("/celebrations/seen", json={"ids": mine}, headers=learner.headers)
    assert repeat.status_code == 200
    assert repeat.json() == {"marked": 0}
    assert await unseen(client, learner) == []
    assert [e["id"] for e in await unseen(client, other)] == theirs
    async with app.state.sessionmaker() as session:
        kept = await session.scalar(
            select(func.count(Celebration.id)).where(Celebration.user_id == learner.id)
        )
    assert kept == len(mine)  # seen, not deleted: what was told stays told


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": ["1"]},
        {"ids": [True]},
        {"ids": [0]},
        {"ids": [1.5]},
        {"ids": [2**63]},
        {"ids": list(range(1, 102))},
        {"ids": [1], "extra": 1},
        [1, 2],
    ],
)
async def test_bad_seen_bodies_are_a_clear_4xx(
    client: httpx.AsyncClient, learner: Account, body: object
) -> None:
    response = await client.post("/celebrations/seen", json=body, headers=learner.headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"]
    assert error["message"]


async def test_celebrations_need_a_login(client: httpx.AsyncClient) -> None:
    assert (await client.get("/celebrations")).status_code == 401
    assert (await client.post("/celebrations/seen", json={"ids": [1]})).status_code == 401
