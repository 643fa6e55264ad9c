"""The class dashboard's live stream: the whole grid, then only the rows that change.

Every finished job on the server reaches every open dashboard; what it costs one is a set
lookup (whose job was it?) and, only for a learner of the class, a read of that learner's row.
The whole grid is read when the stream opens and every GRID_REFRESH_S ("needs help" for time
without progress changes with time alone), and sent only when it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from sse_starlette import ServerSentEvent

from coderunner.auth import repository as auth_repository
from coderunner.classes import dashboard, repository
from coderunner.classes.schemas import GridOut
from coderunner.execution.events import ANY_JOB, EventBus, JobEvent
from coderunner.execution.models import TERMINAL
from coderunner.kernel.errors import AppError

GRID_REFRESH_S = 20.0  # "no progress for M minutes" changes with time alone: the whole grid
GRID_DEBOUNCE_S = 0.3
GRID_STREAM_CAP_S = 900.0  # then the browser's EventSource reconnects


class _StreamEnded(Exception):
    """The teacher lost access to the class (or their account is gone)."""


async def _changed_learners(
    app: Any, changes: asyncio.Queue[JobEvent], first: JobEvent, members: set[str]
) -> set[str]:
    """Which of `members` had a job finish: `first` and whatever else queued up meanwhile.
    Jobs of anyone else on the server (most of them) cost nothing but this set lookup."""
    await asyncio.sleep(GRID_DEBOUNCE_S)  # a burst of jobs becomes one update
    events = [first]
    while not changes.empty():
        events.append(changes.get_nowait())
    finished = {str(status) for status in TERMINAL}
    owners: set[str] = set()
    unknown: list[str] = []
    for event in events:
        if event.status not in finished:
            continue
        if event.job is not None:  # in-process: the committed row came with the event
            owners.add(event.job.user_id)
        elif event.job_id:
            unknown.append(event.job_id)
    if unknown:  # from another process (Redis): one query for the owners
        async with app.state.sessionmaker() as session:
            owners.update(await repository.job_owners(session, unknown))
    return owners & members


async def grid_stream(
    request: Request, user_id: str, class_id: str
) -> AsyncIterator[ServerSentEvent]:
    """A `progress` event with the whole grid at once and every GRID_REFRESH_S when it changed;
    between those, a `learner` event with only the rows of learners whose jobs finished."""
    app = request.app
    pipeline = getattr(app.state, "execution", None)
    bus: EventBus | None = getattr(pipeline, "events", None)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GRID_STREAM_CAP_S

    async def read(only: set[str] | None) -> GridOut:
        async with app.state.sessionmaker() as session:
            user = await auth_repository.get_user(session, user_id)
            if user is None:
                raise _StreamEnded
            try:  # access, every time: a teacher taken off the class stops hearing about it
                if only is None:
                    return await dashboard.grid(session, user, class_id)
                return await dashboard.learner_rows(session, user, class_id, only)
            except AppError:
                raise _StreamEnded from None

    subscription: Any = bus.subscribe(ANY_JOB) if bus is not None else contextlib.nullcontext()
    async with subscription as changes:
        last: dict[str, Any] | None = None
        rows: dict[str, Any] = {}
        try:
            while loop.time() < deadline and not await request.is_disconnected():
                grid = await read(None)
                body = grid.model_dump(mode="json", by_alias=True)
                compared = {k: v for k, v in body.items() if k != "generatedAt"}
                if compared != last:
                    last = compared
                    yield ServerSentEvent(json.dumps(body), event="progress")
                rows = {row["id"]: row for row in body["learners"]}
                refresh_at = loop.time() + GRID_REFRESH_S
                if changes is None:  # no event bus: poll
                    await asyncio.sleep(GRID_REFRESH_S)
                    continue
                while (wait := min(refresh_at, deadline) - loop.time()) > 0:
                    try:
                        event = await asyncio.wait_for(changes.get(), wait)
                    except TimeoutError:
                        break
                    changed = await _changed_learners(app, changes, event, set(rows))
                    if not changed:
                        continue
                    part = (await read(changed)).model_dump(mode="json", by_alias=True)
                    for row in part["learners"]:
                        if rows.get(row["id"]) != row:
                            rows[row["id"]] = row
                            yield ServerSentEvent(
                                json.dumps({"classId": class_id, "learner": row}), event="learner"
                            )
                    if last is not None:  # so an unchanged refresh sends nothing
                        last["learners"] = list(rows.values())
        except _StreamEnded:
            return
