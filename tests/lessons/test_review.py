"""Spaced review: a warm-up from an earlier level, suggested once it has rested a few days."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from coderunner.content import load_curriculum
from coderunner.content.sync import sync_content
from coderunner.db.base import utcnow
from coderunner.progress.models import Progress
from coderunner.progress.service import record_submission
from tests.support.app import register


async def test_a_problem_solved_in_an_earlier_level_comes_back_after_a_rest(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    learner = await register(client, "reviewer", ageGroup="7-9")
    async with app.state.sessionmaker() as session:
        await sync_content(session)
        await session.commit()
    level_one = [p.id for p in load_curriculum().problems_of("7-9", 1)]

    assert (await client.get("/lessons/review")).status_code == 401
    nothing = await client.get("/lessons/review", headers=learner.headers)
    assert nothing.status_code == 200, nothing.text
    assert nothing.json() == {"review": None}

    # solving most of level 1 opens level 2; level 1 is now "earlier", but freshly done
    async with app.state.sessionmaker() as session:
        for problem_id in level_one:
            await record_submission(session, learner.id, problem_id, 1.0, True)
        await session.commit()
    fresh = await client.get("/lessons/review", headers=learner.headers)
    assert fresh.json() == {"review": None}

    async with app.state.sessionmaker() as session:
        for days, problem_id in enumerate(level_one):
            await session.execute(
                update(Progress)
                .where(Progress.user_id == learner.id, Progress.problem_id == problem_id)
                .values(updated_at=utcnow() - timedelta(days=2 + days))
            )
        await session.commit()
    # the one left alone longest (and at least 3 days)
    rested = (await client.get("/lessons/review", headers=learner.headers)).json()["review"]
    assert rested is not None
    assert rested["problemId"] == level_one[-1]
    assert rested["ageGroup"] == "7-9"
    assert rested["level"] == 1
    assert rested["daysSince"] == 2 + len(level_one) - 1

    # solving it again puts it to rest; the next oldest one comes up
    async with app.state.sessionmaker() as session:
        await record_submission(session, learner.id, level_one[-1], 1.0, True)
        await session.commit()
    after = (await client.get("/lessons/review", headers=learner.headers)).json()["review"]
    assert after["problemId"] == level_one[-2]
