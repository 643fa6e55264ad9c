"""Badges, the weekly leaderboard (opt-in, 13-16 only, display names only), admins' learner view."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from coderunner.progress.service import record_submission
from tests.support.app import Account, create_account


async def _solve(app: FastAPI, user_id: str, problem_id: str, attempts: int = 1) -> None:
    async with app.state.sessionmaker() as session:
        for _ in range(attempts - 1):
            await record_submission(session, user_id, problem_id, 0.5, False)
        await record_submission(session, user_id, problem_id, 1.0, True)
        await session.commit()


async def test_badges(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    before = (await client.get("/progress/badges", headers=learner.headers)).json()["badges"]
    assert not any(b["earned"] for b in before)
    await _solve(app, learner.id, problem["id"], attempts=3)
    after = {
        b["id"]: b["earned"]
        for b in (await client.get("/progress/badges", headers=learner.headers)).json()["badges"]
    }
    assert after["first-solve"] is True
    assert after["never-give-up"] is True
    assert after["level-complete"] is True  # the level has one problem
    assert after["five-solves"] is False


async def test_leaderboard_is_opt_in_and_shows_only_teenagers(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    shy = await create_account(app, "shy_kid", display_name="Shy", age_group="13-16")
    star = await create_account(app, "star_kid", display_name="Star", age_group="13-16")
    quiet = await create_account(app, "quiet_kid", display_name="Quiet", age_group="13-16")
    young = await create_account(app, "young_kid", display_name="Young", age_group="10-12")
    new = await client.post(
        "/auth/register",
        json={"username": "new_teen", "password": "long-enough-pw", "ageGroup": "13-16"},
    )
    newcomer = new.json()["user"]
    assert newcomer["leaderboardOptOut"] is True  # nobody is on a board until they opt in
    await client.patch("/auth/me", json={"leaderboardOptOut": True}, headers=shy.headers)
    await client.patch("/auth/me", json={"leaderboardOptOut": True}, headers=quiet.headers)
    await client.patch("/auth/me", json={"leaderboardOptOut": False}, headers=quiet.headers)
    await client.patch("/auth/me", json={"leaderboardOptOut": False}, headers=young.headers)
    for account in (learner, shy, star, quiet, young):
        await _solve(app, account.id, problem["id"])
    board = await client.get("/progress/leaderboard", headers=star.headers)
    assert board.status_code == 200
    entries = board.json()["entries"]
    names = [e["displayName"] for e in entries]
    assert "Shy" not in names  # opted out
    assert "Young" not in names  # children (7-12) are never on the server-wide board
    assert sorted(n or "" for n in names) == ["Quiet", "Star"]  # create_account opts in
    assert [e["isMe"] for e in entries if e["displayName"] == "Star"] == [True]
    assert all(e["xp"] == 15 for e in entries)
    assert [e["rank"] for e in entries] == [1, 1]  # equal XP, equal rank
    text = board.text
    for secret in ("star_kid", "quiet_kid", star.id, quiet.id):
        assert secret not in text
    children = await client.get("/progress/leaderboard?ageGroup=10-12", headers=young.headers)
    assert children.json()["entries"] == []
    assert (await client.get("/progress/leaderboard")).status_code == 401


async def test_learners_overview_is_for_admins_only(
    client: httpx.AsyncClient,
    app: FastAPI,
    learner: Account,
    teacher: Account,
    admin: Account,
    problem: dict[str, Any],
) -> None:
    await _solve(app, learner.id, problem["id"])
    denied = await client.get("/progress/learners", headers=learner.headers)
    assert denied.status_code == 403
    # teachers see the learners of their own classes (at /classes), not the whole server
    teachers = await client.get("/progress/learners", headers=teacher.headers)
    assert teachers.status_code == 403
    response = await client.get("/progress/learners?ageGroup=10-12", headers=admin.headers)
    assert response.status_code == 200
    [row] = response.json()["learners"]  # staff are not learners
    assert row["username"] == "learner1"
    assert (row["solved"], row["attempted"], row["xp"], row["highestLevel"]) == (1, 0, 15, 1)
    assert row["lastActiveAt"] is not None
    empty = await client.get("/progress/learners?ageGroup=7-9", headers=admin.headers)
    assert empty.json()["learners"] == []
