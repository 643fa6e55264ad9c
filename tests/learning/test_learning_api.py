"""The learning routes over the real app: locks, teacher unlocks, streak, effort badges, hints."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text

from coderunner.learning import repository, service
from coderunner.progress.service import record_submission
from tests.support.app import Account
from tests.support.seeding import finished_job, seed_finished_runs, seed_levels

AGE = "10-12"
HINTS = ["first", "second"]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"embedded_workers": False}


async def solve(app: FastAPI, user_id: str, *problem_ids: str) -> None:
    async with app.state.sessionmaker() as session:
        for problem_id in problem_ids:
            await record_submission(session, user_id, problem_id, 1.0, True)
        await session.commit()


async def add_jobs(app: FastAPI, user_id: str, days_ago: list[int], verdicts: list[str]) -> None:
    now = datetime.now(UTC)
    async with app.state.sessionmaker() as session:
        for index, (offset, verdict) in enumerate(zip(days_ago, verdicts, strict=True)):
            # in order, and on the UTC day `offset` days ago even just after midnight
            day = (now - timedelta(days=offset)).replace(hour=0, minute=0, second=0, microsecond=0)
            wanted = now - timedelta(days=offset, minutes=len(verdicts) - index)
            created = max(wanted, day + timedelta(milliseconds=index))
            session.add(finished_job(user_id, verdict, kind="run", created_at=created))
        await session.commit()


async def levels(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> dict[int, dict[str, object]]:
    response = await client.get(f"/learning/levels/{AGE}", headers=headers)
    assert response.status_code == 200, response.text
    return {level["number"]: level for level in response.json()["levels"]}


async def test_levels_unlock_as_most_of_the_previous_is_solved(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed_levels(app, AGE, hints=HINTS)
    before = await levels(client, learner.headers)
    assert [before[n]["locked"] for n in (1, 2, 3)] == [False, True, True]
    await solve(app, learner.id, "p1-0", "p1-1", "p1-2")
    after = await levels(client, learner.headers)
    assert after[2]["locked"] is False
    assert after[3]["locked"] is True
    assert after[1]["solved"] == 3
    assert after[1]["completed"] is False


async def put_in_a_class(client: httpx.AsyncClient, teacher: Account, learner: Account) -> None:
    made = await client.post(
        "/classes", json={"name": "Class", "ageGroup": AGE}, headers=teacher.headers
    )
    code = made.json()["joinCode"]
    joined = await client.post("/classes/join", json={"joinCode": code}, headers=learner.headers)
    assert joined.status_code == 200, joined.text


async def test_teacher_unlocks_a_level_for_one_learner(
    app: FastAPI, client: httpx.AsyncClient, learner: Account, teacher: Account
) -> None:
    await seed_levels(app, AGE, hints=HINTS)
    body = {"userId": learner.id, "ageGroup": AGE, "levelNumber": 3}
    refused = await client.post("/learning/unlocks", json=body, headers=learner.headers)
    assert refused.status_code == 403
    not_my_class = await client.post("/learning/unlocks", json=body, headers=teacher.headers)
    assert not_my_class.status_code == 404  # teachers act only on their classes' learners
    await put_in_a_class(client, teacher, learner)
    done = await client.post("/learning/unlocks", json=body, headers=teacher.headers)
    assert done.status_code == 200, done.text
    mine = await levels(client, learner.headers)
    assert mine[3]["locked"] is False
    assert mine[3]["unlockedByTeacher"] is True
    assert mine[2]["locked"] is True
    again = await client.post("/learning/unlocks", json=body, headers=teacher.headers)
    assert again.status_code == 200  # idempotent
    taken = await client.delete(f"/learning/unlocks/{learner.id}/{AGE}/3", headers=teacher.headers)
    assert taken.status_code == 200
    assert (await levels(client, learner.headers))[3]["locked"] is True
    staff_view = await levels(client, teacher.headers)
    assert not any(level["locked"] for level in staff_view.values())


async def test_unlock_of_unknown_user_or_level_is_404(
    app: FastAPI, client: httpx.AsyncClient, learner: Account, teacher: Account
) -> None:
    await seed_levels(app, AGE, hints=HINTS)
    await put_in_a_class(client, teacher, learner)
    for body in (
        {"userId": "nobody", "ageGroup": AGE, "levelNumber": 2},
        {"userId": learner.id, "ageGroup": AGE, "levelNumber": 99},
    ):
        response = await client.post("/learning/unlocks", json=body, headers=teacher.headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"]


async def test_streak_counts_days_with_code_and_forgives_one_missed_day(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await add_jobs(app, learner.id, [0, 2, 3, 4], ["OK"] * 4)
    response = await client.get("/learning/streak", headers=learner.headers)
    assert response.status_code == 200
    streak = response.json()
    assert streak["current"] == 4
    assert streak["activeToday"] is True
    assert streak["freezes"] == 0
    assert len(streak["frozenDays"]) == 1


async def test_effort_badges_first_run_and_first_fix(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    empty = await client.get("/learning/badges", headers=learner.headers)
    assert not any(b["earned"] for b in empty.json()["badges"])
    await add_jobs(app, learner.id, [0, 0], ["RUNTIME_ERROR", "OK"])
    earned = {
        b["id"]: b["earned"]
        for b in (await client.get("/learning/badges", headers=learner.headers)).json()["badges"]
    }
    assert earned["first-run"] is True
    assert earned["first-fix"] is True
    assert earned["solo-explorer"] is False


async def badges_of(client: httpx.AsyncClient, learner: Account) -> dict[str, bool]:
    response = await client.get("/learning/badges", headers=learner.headers)
    assert response.status_code == 200, response.text
    return {b["id"]: b["earned"] for b in response.json()["badges"]}


async def test_a_fix_is_a_good_job_after_a_failed_one(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    # a good run before the failure fixes nothing, and a hidden test failing is no fix either
    await add_jobs(app, learner.id, [0, 0, 0], ["OK", "RUNTIME_ERROR", "HIDDEN_TEST_FAILED"])
    assert (await badges_of(client, learner))["first-fix"] is False
    await add_jobs(app, learner.id, [0], ["OK"])
    assert (await badges_of(client, learner))["first-fix"] is True


async def test_a_fix_counts_after_a_long_history(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    """Thousands of good runs first (more than a page of them), then a failure and its fix:
    the badge is decided by the database over the whole history, not a first slice of it."""
    await seed_finished_runs(app, learner.id, 5001, datetime.now(UTC) - timedelta(days=1000))
    assert (await badges_of(client, learner))["first-fix"] is False
    await add_jobs(app, learner.id, [0, 0], ["RUNTIME_ERROR", "OK"])
    earned = await badges_of(client, learner)
    assert (earned["first-run"], earned["first-fix"]) == (True, True)


async def test_activity_days_are_utc_days_in_any_session_time_zone(
    app: FastAPI, learner: Account
) -> None:
    """The database computes the days: UTC days, even when the connection's time zone is not
    UTC (PostgreSQL: a day ends at UTC midnight, not the server's)."""
    evening = datetime(2026, 1, 10, 23, 30, tzinfo=UTC)
    for created in (evening, evening + timedelta(hours=1), evening + timedelta(hours=2)):
        async with app.state.sessionmaker() as session:
            session.add(finished_job(learner.id, "OK", kind="run", created_at=created))
            await session.commit()
    async with app.state.sessionmaker() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))  # UTC+14
        days = await repository.activity_days(session, learner.id, evening - timedelta(days=1))
        later = await repository.activity_days(session, learner.id, evening + timedelta(hours=1))
    assert days == {date(2026, 1, 10), date(2026, 1, 11)}
    assert later == {date(2026, 1, 11)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_activity_days_and_fixes_are_read_through_an_index_by_time(
    app: FastAPI, learner: Account
) -> None:
    """SQLite's plan for the learner's days and for the first failure: an index of their jobs in
    time order (a covering one for the days), not a pass over every row of theirs."""
    await add_jobs(app, learner.id, [2, 1, 0], ["RUNTIME_ERROR", "OK", "OK"])
    statements: list[tuple[str, object]] = []

    def seen(_conn: object, _cursor: object, sql: str, params: object, *_rest: object) -> None:
        statements.append((sql, params))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        async with app.state.sessionmaker() as session:
            await repository.activity_days(session, learner.id, datetime.now(UTC) - timedelta(9))
            await service.effort_facts(session, learner.id, count_hint_free=False)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    plans: dict[str, str] = {}
    async with app.state.engine.connect() as conn:
        for sql, params in statements:
            if "execution_jobs" in sql:
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
                plans[sql] = " | ".join(str(row[-1]) for row in rows)
    days = next(plan for sql, plan in plans.items() if "DISTINCT date" in sql)
    assert "COVERING INDEX ix_execution_jobs_user_id_created_at" in days, days
    facts = next(plan for sql, plan in plans.items() if "EXISTS" in sql)
    assert "INDEX ix_execution_jobs_user_id_created_at" in facts, facts


async def test_hint_free_solves_are_counted_only_up_to_the_badge(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed_levels(app, AGE, hints=HINTS)
    await solve(app, learner.id, "p1-0", "p1-1", "p1-2", "p1-3", "p1-4", "p2-0", "p2-1")
    async with app.state.sessionmaker() as session:
        assert await repository.solved_without_hints(session, learner.id, 100) == 7
        facts = await service.effort_facts(session, learner.id)
    assert facts.hint_free == service.HINT_FREE_SOLVES
    assert (await badges_of(client, learner))["solo-explorer"] is True


async def test_hints_count_and_spoil_the_solo_badge(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed_levels(app, AGE, hints=HINTS)
    await solve(app, learner.id, "p1-0", "p1-1", "p1-2", "p1-3", "p1-4")
    badges = (await client.get("/learning/badges", headers=learner.headers)).json()["badges"]
    assert {b["id"]: b["earned"] for b in badges}["solo-explorer"] is True
    hint = await client.post(
        "/learning/hints", json={"problemId": "p1-0", "hintIndex": 5}, headers=learner.headers
    )
    assert hint.status_code == 200
    assert hint.json()["hintsUsed"] == 2  # capped at the problem's hints
    badges = (await client.get("/learning/badges", headers=learner.headers)).json()["badges"]
    assert {b["id"]: b["earned"] for b in badges}["solo-explorer"] is False  # 4 left without
    missing = await client.post(
        "/learning/hints", json={"problemId": "nope", "hintIndex": 0}, headers=learner.headers
    )
    assert missing.status_code == 404


async def test_learning_routes_need_a_login(client: httpx.AsyncClient) -> None:
    for path in ("/learning/streak", "/learning/badges", f"/learning/levels/{AGE}"):
        assert (await client.get(path)).status_code == 401


async def test_the_api_refuses_a_locked_level_to_a_learner(
    app: FastAPI, client: httpx.AsyncClient, learner: Account, teacher: Account
) -> None:
    await seed_levels(app, AGE, hints=HINTS)
    listed = await client.get(f"/levels/{AGE}", headers=learner.headers)
    assert [lv["locked"] for lv in listed.json()] == [False, True, True]
    anonymous = await client.get(f"/levels/{AGE}")
    assert all(lv["locked"] is None for lv in anonymous.json())
    refused = await client.get(f"/levels/{AGE}/2", headers=learner.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "LEVEL_LOCKED"
    assert (await client.get(f"/levels/{AGE}/2", headers=teacher.headers)).status_code == 200
    await solve(app, learner.id, "p1-0", "p1-1", "p1-2")
    opened = await client.get(f"/levels/{AGE}/2", headers=learner.headers)
    assert opened.status_code == 200
    assert opened.json()["locked"] is False
    assert opened.json()["solved"] == 0
