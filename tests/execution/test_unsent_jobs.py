"""A job whose message the transport refused is left to the sweeper: its row says "not sent"."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from fastapi import FastAPI

from coderunner.db.base import new_id, utcnow
from coderunner.execution import repository
from coderunner.execution.pipeline import Pipeline
from tests.support.app import Account
from tests.support.seeding import finished_job


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"embedded_workers": False}


class RefusingQueues:
    """Queues whose transport is down: every send fails."""

    def __init__(self) -> None:
        self.tried: list[tuple[str, str]] = []

    async def kick(self, queue: str, job_id: str) -> None:
        self.tried.append((queue, job_id))
        raise ConnectionError("the transport is down")


async def test_a_job_the_transport_refused_is_marked_unsent(app: FastAPI, learner: Account) -> None:
    job = finished_job(learner.id, "ACCEPTED", kind="run")
    job.id, job.status, job.verdict, job.enqueued_at = new_id(), "pending", None, utcnow()
    async with app.state.sessionmaker() as session:
        session.add(job)
        await session.commit()
    queues = RefusingQueues()
    # the pipeline's own enqueue, on a pipeline of these queues and the app's database
    pipeline = cast(Pipeline, SimpleNamespace(queues=queues, sessionmaker=app.state.sessionmaker))
    await Pipeline.enqueue(pipeline, job)
    assert queues.tried == [(job.queue, job.id)]
    async with app.state.sessionmaker() as session:
        row = await repository.get(session, job.id)
        assert row is not None
        assert row.status == "pending"
        assert row.enqueued_at is None  # the sweeper sends jobs never sent
        unsent = await repository.pending_ids(session, [job.queue], enqueued_before=None)
        assert unsent == [(job.id, job.queue)]
