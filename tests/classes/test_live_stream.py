"""The class live stream (`GET /classes/{id}/events`, what the dashboard listens to) over real
HTTP: the app behind uvicorn on a free port, real jobs in the real sandbox, and what each
finished job costs a dashboard."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from coderunner.auth.models import Role
from coderunner.classes import dashboard, live
from coderunner.classes.models import Classroom
from coderunner.classes.schemas import GridOut
from tests.support.app import Account, create_account
from tests.support.seeding import seed_finished_job

from .test_dashboard import class_with

# the fixture problem's hidden test is not a reversal (its output is a marker)
SOLUTION = 'w = input()\nprint("HIDDEN-OUTPUT-7781" if w == "HIDDEN-INPUT-7781" else w[::-1])\n'
WAIT_S = 90.0  # a busy 2-core machine: generous, and only ever a ceiling


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The test's app (its lifespan already running) on a free port, for streamed responses."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning",
        timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + WAIT_S
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        assert time.monotonic() < deadline, "uvicorn did not start in time"
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT_S)


class Events:
    """Server-sent events of one open response, parsed as they arrive."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.seen: list[tuple[str, dict[str, Any]]] = []

    async def _read(self) -> tuple[str, dict[str, Any]]:
        name = "message"
        data: list[str] = []
        async for line in self._lines:
            if not line:
                if data:
                    return name, json.loads("\n".join(data))
                name = "message"
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        raise AssertionError("the stream ended")

    async def next(self) -> tuple[str, dict[str, Any]]:
        event = await asyncio.wait_for(self._read(), WAIT_S)
        self.seen.append(event)
        return event


@asynccontextmanager
async def stream(base: str, class_id: str, who: Account) -> AsyncIterator[Events]:
    async with (
        httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(WAIT_S)) as http,
        http.stream("GET", f"/classes/{class_id}/events", headers=who.headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


async def test_a_learners_submission_reaches_their_teacher_and_no_other(
    app: FastAPI,
    client: httpx.AsyncClient,
    served: str,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    pid = problem["id"]
    class_a = await class_with(client, teacher, learner)
    other_teacher = await create_account(app, "teacher2", Role.TEACHER)
    other_learner = await create_account(app, "learner2", age_group="10-12")
    class_b = await class_with(client, other_teacher, other_learner)

    async with httpx.AsyncClient(base_url=served, timeout=WAIT_S) as http:
        for who in (other_teacher, learner):  # not their class's stream
            denied = await http.get(f"/classes/{class_a}/events", headers=who.headers)
            assert denied.status_code == (404 if who is other_teacher else 403), denied.text

    async with stream(served, class_a, teacher) as a, stream(served, class_b, other_teacher) as b:
        name, grid = await a.next()
        assert name == "progress"
        assert [row["id"] for row in grid["learners"]] == [learner.id]
        assert grid["learners"][0]["cells"] == {}
        name, grid = await b.next()
        assert (name, [row["id"] for row in grid["learners"]]) == ("progress", [other_learner.id])

        solved = await client.post(
            "/execution/submit?wait=true",
            json={"problemId": pid, "code": SOLUTION},
            headers=learner.headers,
        )
        assert solved.status_code == 200, solved.text
        assert solved.json()["submissionResult"]["verdict"] == "ACCEPTED"
        name, update = await a.next()
        assert name == "learner"
        assert update["classId"] == class_a
        row = update["learner"]
        assert row["id"] == learner.id
        assert (row["cells"][pid]["status"], row["cells"][pid]["lastVerdict"]) == (
            "solved",
            "ACCEPTED",
        )

        # teacher 2's learner works: teacher 2 hears of it, and it is the first thing they hear
        wrong = await client.post(
            "/execution/submit?wait=true",
            json={"problemId": pid, "code": "print(input())"},
            headers=other_learner.headers,
        )
        assert wrong.status_code == 200, wrong.text
        name, update = await b.next()
        assert (name, update["learner"]["id"]) == ("learner", other_learner.id)
        assert update["learner"]["cells"][pid]["status"] == "attempted"
        assert all(learner.id not in json.dumps(body) for _, body in b.seen)
        assert all(learner.username not in json.dumps(body) for _, body in b.seen)

        # and teacher 1 never heard of teacher 2's learner: their next event is their own
        # learner's next job, which finished after teacher 2's learner's
        ran = await client.post(
            "/execution/run?wait=true", json={"code": "print(2)"}, headers=learner.headers
        )
        assert ran.status_code == 200, ran.text
        name, update = await a.next()
        assert (name, update["learner"]["id"]) == ("learner", learner.id)
        assert all(other_learner.id not in json.dumps(body) for _, body in a.seen)


async def test_finished_jobs_update_one_row_not_the_whole_grid(
    app: FastAPI,
    client: httpx.AsyncClient,
    served: str,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """N finished jobs of a class's learner cost N one-learner reads, not N whole grids; jobs
    of learners outside the class cost the dashboard no read at all."""
    quiet = await create_account(app, "quiet", age_group="10-12")
    outsider = await create_account(app, "outsider", age_group="10-12")
    class_id = await class_with(client, teacher, learner, quiet)
    monkeypatch.setattr(live, "GRID_REFRESH_S", 3600.0)  # no timed refresh here
    builds: list[Collection[str] | None] = []
    real_build = dashboard.build_grid

    async def counting(
        session: Any, classroom: Classroom, *, only: Collection[str] | None = None
    ) -> GridOut:
        builds.append(None if only is None else sorted(only))
        return await real_build(session, classroom, only=only)

    monkeypatch.setattr(dashboard, "build_grid", counting)
    bus = app.state.execution.events
    jobs = 5
    async with stream(served, class_id, teacher) as events:
        name, _ = await events.next()
        assert (name, builds) == ("progress", [None])
        for round_ in range(jobs):
            for _ in range(3):  # other classes' learners finishing jobs meanwhile
                other = await seed_finished_job(
                    app, outsider.id, "WRONG_ANSWER", problem_id=problem["id"]
                )
                await bus.publish(other.id, "completed", other)
            mine = await seed_finished_job(
                app, learner.id, "WRONG_ANSWER", problem_id=problem["id"]
            )
            # every other round as a message from another process: the id without the row
            await bus.publish(mine.id, "completed", mine if round_ % 2 else None)
            name, update = await events.next()
            assert name == "learner"
            assert update["learner"]["id"] == learner.id
            assert "quiet" not in json.dumps(update)  # only the changed learner's row
    full = [b for b in builds if b is None]
    rows = [b for b in builds if b is not None]
    assert len(full) == 1  # the first grid only
    assert rows == [[learner.id]] * jobs
