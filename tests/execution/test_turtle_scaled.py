"""Turtle grading scaled out: the API queues a drawing problem's submission on Redis and a
`coderunner worker` process grades it on the drawing (learner's and reference's)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from coderunner.auth.roles import Role
from tests.support.app import create_account, problem_payload

from .conftest import wait_job
from .test_scaled import Stack, Worker, api, stack, workers  # noqa: F401 (fixtures)
from .test_turtle_grading import SQUARE, TESTS

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.sandbox]


@pytest.mark.timeout(300)
async def test_a_worker_on_redis_grades_a_turtle_square_on_its_drawing(
    stack: Stack,  # noqa: F811
    workers: list[Worker],  # noqa: F811
    api: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
) -> None:
    app, client = api
    workers.append(Worker(stack, "turtle"))
    await asyncio.to_thread(workers[0].wait_started)
    teacher = await create_account(app, "turtle-teacher", Role.TEACHER)
    learner = await create_account(app, "turtle-learner", age_group="10-12")
    level = {"ageGroup": "10-12", "number": 1, "title": "Turtles", "concepts": ["turtle"]}
    assert (await client.post("/levels", json=level, headers=teacher.headers)).status_code == 201
    body = problem_payload(
        "turtle-square-scaled",
        comparison={"mode": "drawing"},
        referenceSolution=SQUARE,
        starterCode="import turtle\n",
        tests=TESTS,
    )
    created = await client.post("/problems", json=body, headers=teacher.headers)
    assert created.status_code == 201, created.text

    wrong = SQUARE.replace("range(4)", "range(3)")  # a side missing
    for code, verdict in ((SQUARE, "ACCEPTED"), (wrong, "WRONG_ANSWER")):
        posted = await client.post(
            "/execution/submit",
            json={"problemId": "turtle-square-scaled", "code": code},
            headers=learner.headers,
        )
        assert posted.status_code == 202, posted.text
        job = await wait_job(client, posted.json()["jobId"], learner.headers, within_s=120)
        assert job["status"] == "completed", job
        assert job["submissionResult"]["verdict"] == verdict, job["submissionResult"]
