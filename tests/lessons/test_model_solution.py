"""After solving: the model solution and its "another way" note, never before a solve."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from coderunner.content.sync import sync_content
from coderunner.problems.models import Problem
from coderunner.progress.service import record_submission
from tests.support.app import Account

PROBLEM = "hello-you"


async def test_the_model_solution_opens_after_the_first_solve(
    app: FastAPI, client: httpx.AsyncClient, learner: Account, teacher: Account
) -> None:
    async with app.state.sessionmaker() as session:
        await sync_content(session)
        problem = await session.get(Problem, PROBLEM)
        assert problem is not None
        problem.another_way = "You can also use an **f-string**."
        await session.commit()
    url = f"/problems/{PROBLEM}/solution"

    assert (await client.get(url)).status_code == 401
    before = await client.get(url, headers=learner.headers)
    assert before.status_code == 403
    assert before.json()["error"]["code"] == "NOT_SOLVED_YET"
    assert "print(" not in before.text

    async with app.state.sessionmaker() as session:
        await record_submission(session, learner.id, PROBLEM, 0.5, False)
        await session.commit()
    assert (await client.get(url, headers=learner.headers)).status_code == 403  # tried only

    async with app.state.sessionmaker() as session:
        await record_submission(session, learner.id, PROBLEM, 1.0, True)
        await session.commit()
    after = await client.get(url, headers=learner.headers)
    assert after.status_code == 200, after.text
    assert after.json() == {
        "problemId": PROBLEM,
        "solution": 'name = input()\nprint("Hello, " + name + "!")\n',
        # one language: the same solution, under its language
        "solutions": {"python": 'name = input()\nprint("Hello, " + name + "!")\n'},
        "anotherWay": "You can also use an **f-string**.",
    }
    assert (await client.get(url, headers=teacher.headers)).status_code == 200
    assert (
        await client.get("/problems/no-such/solution", headers=learner.headers)
    ).status_code == 404
