"""The class dashboard over the real app: the grid, "needs help", a cell's code, unlocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from coderunner.auth.models import Role
from coderunner.classes.dashboard import idle_since
from coderunner.execution.models import ExecutionJob
from coderunner.progress.service import record_submission
from tests.support.app import Account, create_account


def test_idle_since_is_the_start_of_the_current_stretch_without_a_solve() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

    def ago(minutes: float) -> datetime:
        return now - timedelta(minutes=minutes)

    assert idle_since([], None, now) is None
    assert idle_since([ago(30)], None, now) is None  # not working right now
    assert idle_since([ago(40), ago(12), ago(8), ago(1)], None, now) == ago(12)  # gap > 10 min
    assert idle_since([ago(12), ago(8), ago(1)], ago(3), now) == ago(3)  # solved 3 minutes ago


async def add_job(
    app: FastAPI,
    user_id: str,
    problem_id: str | None,
    *,
    minutes_ago: float = 0,
    verdict: str = "WRONG_ANSWER",
    code: str = "print(1)",
    job_type: str = "submit",
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    async with app.state.sessionmaker() as session:
        session.add(
            ExecutionJob(
                type=job_type,
                queue="code-submission",
                user_id=user_id,
                problem_id=problem_id,
                language="python",
                code=code,
                stdin="",
                limits={},
                status="completed",
                attempts=1,
                created_at=at,
                finished_at=at,
                verdict=verdict,
            )
        )
        await session.commit()


async def fail(app: FastAPI, user_id: str, problem_id: str, times: int) -> None:
    async with app.state.sessionmaker() as session:
        for _ in range(times):
            await record_submission(session, user_id, problem_id, 0.5, False)
        await session.commit()


async def class_with(client: httpx.AsyncClient, teacher: Any, *learners: Any) -> str:
    made = await client.post(
        "/classes",
        json={"name": "5C", "ageGroup": "10-12", "helpFailures": 3, "helpIdleMinutes": 10},
        headers=teacher.headers,
    )
    assert made.status_code == 201, made.text
    for learner in learners:
        joined = await client.post(
            "/classes/join", json={"joinCode": made.json()["joinCode"]}, headers=learner.headers
        )
        assert joined.status_code == 200
    class_id: str = made.json()["id"]
    return class_id


async def test_grid_shows_each_learners_cells_and_who_needs_help(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    steady = await create_account(app, "steady", age_group="10-12")
    busy = await create_account(app, "busy", age_group="10-12")
    outsider = await create_account(app, "outsider", age_group="10-12")
    class_id = await class_with(client, teacher, learner, steady, busy)
    pid = problem["id"]
    await fail(app, learner.id, pid, 3)  # failed the same problem N=3 times
    await add_job(app, learner.id, pid, minutes_ago=1, verdict="WRONG_ANSWER")
    async with app.state.sessionmaker() as session:
        await record_submission(session, steady.id, pid, 1.0, True)
        await session.commit()
    await add_job(app, steady.id, pid, minutes_ago=1, verdict="ACCEPTED")
    for minutes in (14, 9, 4, 1):  # working for 14 minutes (M=10) without a solve
        await add_job(app, busy.id, None, minutes_ago=minutes, job_type="run", verdict="OK")
    await add_job(app, outsider.id, pid, verdict="ACCEPTED")

    response = await client.get(f"/classes/{class_id}/progress", headers=teacher.headers)
    assert response.status_code == 200, response.text
    grid = response.json()
    assert [p["id"] for p in grid["problems"]] == [pid]
    rows = {row["username"]: row for row in grid["learners"]}
    assert set(rows) == {"learner1", "steady", "busy"}  # never another class's children
    stuck = rows["learner1"]
    assert stuck["cells"][pid]["status"] == "attempted"
    assert stuck["cells"][pid]["attempts"] == 3
    assert stuck["cells"][pid]["lastVerdict"] == "WRONG_ANSWER"
    assert stuck["needsHelp"] is True
    assert [h["kind"] for h in stuck["help"]] == ["failures"]
    assert stuck["help"][0]["problemId"] == pid
    solved = rows["steady"]
    assert solved["cells"][pid]["status"] == "solved"
    assert solved["cells"][pid]["lastVerdict"] == "ACCEPTED"
    assert (solved["solved"], solved["needsHelp"]) == (1, False)
    assert rows["busy"]["cells"] == {}  # not started
    assert [h["kind"] for h in rows["busy"]["help"]] == ["idle"]
    assert rows["busy"]["lastActiveAt"] is not None

    # N and M are the class's: raising N clears the first signal
    changed = await client.patch(
        f"/classes/{class_id}", json={"helpFailures": 4}, headers=teacher.headers
    )
    assert changed.status_code == 200
    again = (await client.get(f"/classes/{class_id}/progress", headers=teacher.headers)).json()
    assert {r["username"]: r["needsHelp"] for r in again["learners"]}["learner1"] is False


async def test_a_cell_shows_the_latest_code_read_only(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    class_id = await class_with(client, teacher, learner)
    pid = problem["id"]
    await add_job(app, learner.id, pid, minutes_ago=5, code="print('old')")
    await add_job(app, learner.id, pid, minutes_ago=1, code="print('newest')")
    path = f"/classes/{class_id}/learners/{learner.id}/problems/{pid}"
    response = await client.get(path, headers=teacher.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["latestCode"] == "print('newest')"
    assert body["latestJob"]["verdict"] == "WRONG_ANSWER"
    assert body["learner"]["username"] == "learner1"
    other = await create_account(app, "teacher2", Role.TEACHER)
    assert (await client.get(path, headers=other.headers)).status_code == 404
    assert (await client.get(path, headers=learner.headers)).status_code == 403
    stranger = await create_account(app, "stranger", age_group="10-12")
    outside = f"/classes/{class_id}/learners/{stranger.id}/problems/{pid}"
    assert (await client.get(outside, headers=teacher.headers)).status_code == 404
    # read-only: nothing to write at that address
    assert (await client.post(path, headers=teacher.headers)).status_code == 405


async def test_a_cell_never_shows_another_classs_own_puzzle(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    """A learner in two classes: the puzzle one class's teacher wrote is that class's alone, so
    the other class's teacher gets 404 for it, as for a missing problem (ADR 0012)."""
    mine = await class_with(client, teacher, learner)
    other = await create_account(app, "teacher2", Role.TEACHER)
    theirs = await class_with(client, other, learner)
    puzzle = {
        "title": "Secret puzzle",
        "statement": "Print 1.",
        "referenceSolution": "print(1)\n",
        "tests": [{"name": "one", "input": "", "expectedOutput": "1"}],
    }
    made = await client.post(
        f"/classes/{theirs}/challenges",
        json={
            "title": "Theirs",
            "problemIds": [],
            "newProblems": [puzzle],
            "opensAt": "2020-01-01T00:00:00Z",
            "closesAt": "2099-01-01T00:00:00Z",
        },
        headers=other.headers,
    )
    assert made.status_code == 201, made.text
    secret = made.json()["problems"][0]["id"]
    await add_job(app, learner.id, secret, minutes_ago=1, code="print('for the other class')")
    own_cell = f"/classes/{theirs}/learners/{learner.id}/problems/{secret}"
    assert (await client.get(own_cell, headers=other.headers)).status_code == 200
    cell = f"/classes/{mine}/learners/{learner.id}/problems/{secret}"
    refused = await client.get(cell, headers=teacher.headers)
    assert refused.status_code == 404, refused.text
    assert "Secret puzzle" not in refused.text
    assert "for the other class" not in refused.text
    catalogue = f"/classes/{mine}/learners/{learner.id}/problems/{problem['id']}"
    assert (await client.get(catalogue, headers=teacher.headers)).status_code == 200


async def _open_levels(client: httpx.AsyncClient, who: Any) -> dict[int, bool]:
    body = (await client.get("/learning/levels/10-12", headers=who.headers)).json()
    return {level["number"]: not level["locked"] for level in body["levels"]}


async def test_unlock_and_relock_a_level_for_one_learner_or_the_class(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    level = {"ageGroup": "10-12", "number": 2, "title": "Loops", "concepts": ["loops"]}
    assert (await client.post("/levels", json=level, headers=teacher.headers)).status_code == 201
    other = await create_account(app, "pal", age_group="10-12")
    class_id = await class_with(client, teacher, learner, other)
    assert (await _open_levels(client, learner))[2] is False

    one = await client.post(
        f"/classes/{class_id}/unlocks",
        json={"levelNumber": 2, "learnerId": learner.id},
        headers=teacher.headers,
    )
    assert one.status_code == 200, one.text
    rows = {r["username"]: r for r in one.json()["learners"]}
    assert (rows["learner1"]["openLevels"], rows["learner1"]["teacherUnlocks"]) == ([1, 2], [2])
    assert rows["pal"]["openLevels"] == [1]
    assert (await _open_levels(client, learner))[2] is True
    assert (await _open_levels(client, other))[2] is False

    everyone = await client.post(
        f"/classes/{class_id}/unlocks", json={"levelNumber": 2}, headers=teacher.headers
    )
    assert all(r["openLevels"] == [1, 2] for r in everyone.json()["learners"])
    assert (await _open_levels(client, other))[2] is True

    relock_one = await client.delete(
        f"/classes/{class_id}/unlocks/2?learnerId={other.id}", headers=teacher.headers
    )
    assert relock_one.status_code == 200
    assert (await _open_levels(client, other))[2] is False
    assert (await _open_levels(client, learner))[2] is True
    relock_all = await client.delete(f"/classes/{class_id}/unlocks/2", headers=teacher.headers)
    assert all(r["openLevels"] == [1] for r in relock_all.json()["learners"])
    assert (await _open_levels(client, learner))[2] is False

    missing = await client.post(
        f"/classes/{class_id}/unlocks", json={"levelNumber": 9}, headers=teacher.headers
    )
    assert missing.status_code == 404
    stranger = await create_account(app, "stranger", age_group="10-12")
    not_here = await client.post(
        f"/classes/{class_id}/unlocks",
        json={"levelNumber": 2, "learnerId": stranger.id},
        headers=teacher.headers,
    )
    assert not_here.status_code == 404
    other_teacher = await create_account(app, "teacher2", Role.TEACHER)
    denied = await client.post(
        f"/classes/{class_id}/unlocks", json={"levelNumber": 2}, headers=other_teacher.headers
    )
    assert denied.status_code == 404
