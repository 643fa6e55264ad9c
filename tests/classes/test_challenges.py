"""Challenges, contest ranking and CSV exports over the real app."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from coderunner.auth.models import Role, User
from coderunner.classes.exports import safe_cell
from coderunner.progress.service import record_submission
from tests.support.app import Account, create_account

from .test_dashboard import add_job, class_with


def iso(delta_minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=delta_minutes)).isoformat()


def test_cells_that_a_spreadsheet_would_run_are_defused() -> None:
    for bad in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(bad) == "'" + bad
    assert safe_cell("mia472") == "mia472"
    assert safe_cell(None) == ""


async def test_a_contest_ranks_the_class_by_solved_then_time(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    fast = await create_account(app, "fast", age_group="10-12")
    late = await create_account(app, "=cmd", age_group="10-12")  # a hostile username
    shy = await create_account(app, "shy", age_group="10-12")
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(User).where(User.id == shy.id).values(leaderboard_opt_out=True)
        )
        await session.commit()
    outsider = await create_account(app, "outsider", age_group="10-12")
    class_id = await class_with(client, teacher, learner, fast, late, shy)
    pid = problem["id"]
    body = {
        "title": "Friday quiz",
        "problemIds": [pid],
        "opensAt": iso(-30),
        "closesAt": iso(30),
        "contest": True,
    }
    made = await client.post(f"/classes/{class_id}/challenges", json=body, headers=teacher.headers)
    assert made.status_code == 201, made.text
    challenge = made.json()
    assert (challenge["state"], challenge["contest"]) == ("open", True)
    # solves: fast 5 minutes in, learner1 20 minutes in, =cmd before the window (not counted)
    await add_job(app, fast.id, pid, minutes_ago=25, verdict="ACCEPTED")
    await add_job(app, learner.id, pid, minutes_ago=10, verdict="ACCEPTED")
    await add_job(app, shy.id, pid, minutes_ago=10, verdict="ACCEPTED")
    await add_job(app, late.id, pid, minutes_ago=60, verdict="ACCEPTED")
    await add_job(app, outsider.id, pid, minutes_ago=20, verdict="ACCEPTED")

    results = await client.get(
        f"/classes/{class_id}/challenges/{challenge['id']}/results", headers=teacher.headers
    )
    assert results.status_code == 200, results.text
    rows = results.json()["rows"]
    assert [(r["name"], r["solved"]) for r in rows] == [
        ("fast", 1),
        ("learner1", 1),
        ("shy", 1),
        ("=cmd", 0),
    ]
    assert rows[0]["minutes"] < rows[1]["minutes"]
    assert [r["rank"] for r in rows] == [1, 2, 2, 4]  # equal score, equal rank
    assert "outsider" not in results.text  # the ranking is the class's only

    # a learner sees the ranking, with a classmate who keeps their name hidden left anonymous
    mine = await client.get(
        f"/classes/{class_id}/challenges/{challenge['id']}/results", headers=learner.headers
    )
    names = [r["name"] for r in mine.json()["rows"]]
    assert "shy" not in names
    assert "A classmate" in names
    assert [r["isMe"] for r in mine.json()["rows"] if r["name"] == "learner1"] == [True]

    # "From your teacher": open challenges of my classes, and what I solved
    opened = (await client.get("/challenges/open", headers=learner.headers)).json()
    assert [(c["title"], c["solved"]) for c in opened["challenges"]] == [("Friday quiz", [pid])]
    assert (await client.get("/challenges/open", headers=outsider.headers)).json() == {
        "challenges": []
    }

    exported = await client.get(
        f"/classes/{class_id}/challenges/{challenge['id']}/results.csv", headers=teacher.headers
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.text)))
    assert table[0][:4] == ["rank", "username", "solved", "minutes"]
    assert ["4", "'=cmd", "0", "0", ""] in table  # defused, never a formula
    assert (
        await client.get(
            f"/classes/{class_id}/challenges/{challenge['id']}/results.csv",
            headers=learner.headers,
        )
    ).status_code == 403


async def test_challenges_are_checked_and_hidden_until_they_open(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    class_id = await class_with(client, teacher, learner)
    path = f"/classes/{class_id}/challenges"
    pid = problem["id"]
    bad_window = {"title": "x", "problemIds": [pid], "opensAt": iso(10), "closesAt": iso(5)}
    assert (await client.post(path, json=bad_window, headers=teacher.headers)).status_code == 422
    unknown = {"title": "x", "problemIds": ["nope"], "opensAt": iso(1), "closesAt": iso(5)}
    assert (await client.post(path, json=unknown, headers=teacher.headers)).status_code == 422
    later = {"title": "Next week", "problemIds": [pid], "opensAt": iso(60), "closesAt": iso(120)}
    made = await client.post(path, json=later, headers=teacher.headers)
    assert made.status_code == 201
    teacher_view = (await client.get(path, headers=teacher.headers)).json()["challenges"]
    assert [c["problems"][0]["id"] for c in teacher_view] == [pid]
    learner_view = (await client.get(path, headers=learner.headers)).json()["challenges"]
    assert [(c["state"], c["problems"]) for c in learner_view] == [("upcoming", [])]
    assert (await client.get("/challenges/open", headers=learner.headers)).json()[
        "challenges"
    ] == []
    other = await create_account(app, "teacher2", Role.TEACHER)
    assert (await client.get(path, headers=other.headers)).status_code == 404
    assert (await client.post(path, json=later, headers=other.headers)).status_code == 404
    assert (await client.post(path, json=later, headers=learner.headers)).status_code == 403


async def test_progress_csv_is_the_grid(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    class_id = await class_with(client, teacher, learner)
    async with app.state.sessionmaker() as session:
        await record_submission(session, learner.id, problem["id"], 1.0, True)
        await session.commit()
    exported = await client.get(f"/classes/{class_id}/progress.csv", headers=teacher.headers)
    assert exported.status_code == 200
    table = list(csv.reader(io.StringIO(exported.text)))
    assert table[0][:2] == ["username", "solved"]
    assert table[1][0] == "learner1"
    assert table[1][-1] == "solved (1 tries)"
    other = await create_account(app, "teacher2", Role.TEACHER)
    denied = await client.get(f"/classes/{class_id}/progress.csv", headers=other.headers)
    assert denied.status_code == 404


async def test_a_childs_leaderboard_is_their_class_and_opt_in(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    problem: dict[str, Any],
) -> None:
    made = await client.post(
        "/classes", json={"name": "3A", "ageGroup": "10-12"}, headers=teacher.headers
    )
    class_id = made.json()["id"]
    created = await client.post(
        f"/classes/{class_id}/learners", json={"names": ["Ana", "Ben"]}, headers=teacher.headers
    )
    ana, ben = created.json()["accounts"]
    tokens = {}
    for kid in (ana, ben):
        login = await client.post(
            "/auth/login", json={"username": kid["username"], "password": kid["password"]}
        )
        tokens[kid["username"]] = {"Authorization": f"Bearer {login.json()['token']}"}
    outsider = await create_account(app, "outsider", age_group="10-12")
    for kid in (ana, ben):
        async with app.state.sessionmaker() as session:
            await record_submission(session, kid["id"], problem["id"], 1.0, True)
            await session.commit()
    path = f"/classes/{class_id}/leaderboard"
    ana_headers = tokens[ana["username"]]
    board = await client.get(path, headers=ana_headers)
    assert board.status_code == 200, board.text
    assert board.json()["entries"] == []  # off by default for children
    opted = await client.patch("/auth/me", json={"leaderboardOptOut": False}, headers=ana_headers)
    assert opted.status_code == 200
    entries = (await client.get(path, headers=ana_headers)).json()["entries"]
    me = (await client.get("/auth/me", headers=ana_headers)).json()
    shown = me.get("user", me)["displayName"] or ana["username"]
    assert [(e["displayName"], e["isMe"]) for e in entries] == [(shown, True)]
    ben_me = (await client.get("/auth/me", headers=tokens[ben["username"]])).json()
    board_text = (await client.get(path, headers=ana_headers)).text
    assert ben["username"] not in board_text
    assert (ben_me.get("user", ben_me)["displayName"] or ben["username"]) not in board_text
    # children never reach the server-wide board, even opted in
    public = await client.get("/progress/leaderboard", headers=ana_headers)
    assert public.json()["entries"] == []
    assert (await client.get(path, headers=outsider.headers)).status_code == 404
