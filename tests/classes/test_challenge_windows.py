"""Challenge windows and the problems a teacher writes for a class, with a clock the test sets
(no sleeps): before the window nothing of a challenge is visible or solvable by its learners,
inside it its problems are, after it closes the levels it opened follow the usual rules again
and the class's own problems close (a friendly 403)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coderunner.auth.models import Role
from coderunner.learning import clock
from tests.support.app import Account, create_account, problem_payload

from .test_dashboard import class_with

T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)  # a Monday morning: the test's "now"
PUZZLE_SOLUTION = "n = int(input())\nprint(n * 2)\n"


class Clock:
    """What `coderunner.learning.clock.now` answers, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = T0
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def set(self, delta: timedelta) -> None:
        self.at = T0 + delta


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def at(delta: timedelta) -> str:
    return (T0 + delta).isoformat()


HOUR = timedelta(hours=1)


async def level_two_problem(client: httpx.AsyncClient, teacher: Account) -> str:
    """A catalogue problem in level 2 of 10-12 (locked for a learner with no progress)."""
    level = {"ageGroup": "10-12", "number": 2, "title": "Loops", "concepts": ["loops"]}
    assert (await client.post("/levels", json=level, headers=teacher.headers)).status_code == 201
    body = problem_payload("twice-the-number", levelNumber=2, title="Twice the number")
    body["referenceSolution"] = PUZZLE_SOLUTION
    body["tests"] = [{"name": "two", "input": "2", "expectedOutput": "4"}]
    made = await client.post("/problems", json=body, headers=teacher.headers)
    assert made.status_code == 201, made.text
    return "twice-the-number"


def new_puzzle(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Double it",
        "statement": "Read a number and print it doubled.",
        "starterCode": "n = int(input())\n",
        "referenceSolution": PUZZLE_SOLUTION,
        "tests": [
            {"name": "three", "input": "3", "expectedOutput": "6"},
            {"name": "secret", "input": "50", "expectedOutput": "100", "hidden": True},
        ],
    }
    body.update(overrides)
    return body


async def level_two_locked(client: httpx.AsyncClient, who: Account) -> bool:
    states = await client.get("/learning/levels/10-12", headers=who.headers)
    assert states.status_code == 200, states.text
    [two] = [lv for lv in states.json()["levels"] if lv["number"] == 2]
    locked: bool = two["locked"]
    return locked


async def submit(client: httpx.AsyncClient, who: Account, pid: str) -> httpx.Response:
    return await client.post(
        "/execution/submit?wait=true",
        json={"problemId": pid, "code": PUZZLE_SOLUTION},
        headers=who.headers,
    )


async def test_a_challenge_opens_its_levels_only_inside_its_window(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
    fake_clock: Clock,
) -> None:
    pid = await level_two_problem(client, teacher)
    class_id = await class_with(client, teacher, learner)
    made = await client.post(
        f"/classes/{class_id}/challenges",
        json={
            "title": "Loops day",
            "problemIds": [pid],
            "opensAt": at(HOUR),
            "closesAt": at(2 * HOUR),
        },
        headers=teacher.headers,
    )
    assert made.status_code == 201, made.text
    challenge = made.json()
    assert challenge["state"] == "upcoming"
    results = f"/classes/{class_id}/challenges/{challenge['id']}/results"

    # before the window: the level stays locked and nothing of the challenge shows
    assert await level_two_locked(client, learner)
    grid = (await client.get(f"/classes/{class_id}/progress", headers=teacher.headers)).json()
    assert grid["learners"][0]["teacherUnlocks"] == []  # creating it opened nothing
    assert 2 not in grid["learners"][0]["openLevels"]
    read = await client.get(f"/problems/{pid}", headers=learner.headers)
    assert (read.status_code, read.json()["error"]["code"]) == (403, "LEVEL_LOCKED")
    assert (await submit(client, learner, pid)).status_code == 403
    listed = await client.get("/problems", params={"ageGroup": "10-12"}, headers=learner.headers)
    assert pid not in listed.text
    assert (await client.get("/challenges/open", headers=learner.headers)).json()[
        "challenges"
    ] == []
    mine = (await client.get(f"/classes/{class_id}/challenges", headers=learner.headers)).json()
    assert [(c["state"], c["problems"]) for c in mine["challenges"]] == [("upcoming", [])]
    assert (await client.get(results, headers=learner.headers)).status_code == 404

    # inside the window: the level is open for the class's learners, and solvable
    fake_clock.set(HOUR)
    assert not await level_two_locked(client, learner)
    assert (await client.get(f"/problems/{pid}", headers=learner.headers)).status_code == 200
    solved = await submit(client, learner, pid)
    assert solved.status_code == 200, solved.text
    assert solved.json()["submissionResult"]["verdict"] == "ACCEPTED"
    opened = (await client.get("/challenges/open", headers=learner.headers)).json()
    assert [(c["title"], c["state"]) for c in opened["challenges"]] == [("Loops day", "open")]
    grid = (await client.get(f"/classes/{class_id}/progress", headers=teacher.headers)).json()
    assert 2 in grid["learners"][0]["openLevels"]
    # a learner outside the class gets nothing from it
    outsider = await create_account(app, "outsider", age_group="10-12")
    assert await level_two_locked(client, outsider)

    # after it closes: the level follows the usual rules again; the results stay
    fake_clock.set(2 * HOUR)
    assert await level_two_locked(client, learner)
    read = await client.get(f"/problems/{pid}", headers=learner.headers)
    assert (read.status_code, read.json()["error"]["code"]) == (403, "LEVEL_LOCKED")
    assert (await client.get("/challenges/open", headers=learner.headers)).json()[
        "challenges"
    ] == []
    mine = (await client.get(f"/classes/{class_id}/challenges", headers=learner.headers)).json()
    assert [(c["state"], c["solved"]) for c in mine["challenges"]] == [("closed", [pid])]
    ranking = await client.get(results, headers=learner.headers)
    assert ranking.status_code == 200
    assert ranking.json()["rows"][0]["solved"] == 1


async def test_a_teacher_writes_a_puzzle_for_the_class_in_the_challenge(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    admin: Account,
    problem: dict[str, Any],
    fake_clock: Clock,
) -> None:
    class_id = await class_with(client, teacher, learner)
    other_teacher = await create_account(app, "teacher2", Role.TEACHER)
    other_learner = await create_account(app, "learner2", age_group="10-12")
    other_class = await class_with(client, other_teacher, other_learner)
    body = {
        "title": "Friday puzzle",
        "problemIds": [problem["id"]],
        "newProblems": [new_puzzle()],
        "opensAt": at(HOUR),
        "closesAt": at(2 * HOUR),
    }
    made = await client.post(f"/classes/{class_id}/challenges", json=body, headers=teacher.headers)
    assert made.status_code == 201, made.text
    problems = made.json()["problems"]
    assert [p["title"] for p in problems] == ["Reverse a word", "Double it"]
    new_id = problems[1]["id"]
    assert [p["own"] for p in problems] == [False, True]

    # the class's teachers (and admins) read and edit it; nobody else even sees it
    for who in (teacher, admin):
        full = await client.get(f"/problems/{new_id}/full", headers=who.headers)
        assert full.status_code == 200, full.text
        assert full.json()["referenceSolution"].rstrip() == PUZZLE_SOLUTION.rstrip()
    assert (
        await client.get(f"/problems/{new_id}/full", headers=other_teacher.headers)
    ).status_code == 404
    edited = await client.patch(
        f"/problems/{new_id}", json={"title": "Double it!"}, headers=teacher.headers
    )
    assert edited.status_code == 200, edited.text
    for change in ({"title": "Mine now"}, {"isPublished": True}):
        refused = await client.patch(
            f"/problems/{new_id}", json=change, headers=other_teacher.headers
        )
        assert refused.status_code in (404, 422), refused.text
    published = await client.patch(
        f"/problems/{new_id}", json={"isPublished": True}, headers=teacher.headers
    )
    assert published.status_code == 422  # stays the class's: never in the catalogue
    assert "class" in published.json()["error"]["message"]
    assert (
        await client.delete(f"/problems/{new_id}", headers=other_teacher.headers)
    ).status_code == 404
    for who in (other_teacher, teacher, learner, other_learner):
        catalogue = await client.get("/problems", params={"pageSize": 100}, headers=who.headers)
        assert new_id not in catalogue.text
    own_grid = (await client.get(f"/classes/{class_id}/progress", headers=teacher.headers)).json()
    assert new_id in [p["id"] for p in own_grid["problems"]]
    other_grid = await client.get(f"/classes/{other_class}/progress", headers=other_teacher.headers)
    assert new_id not in other_grid.text

    # before the window: not visible, not solvable, not even by the class's learners
    for who in (learner, other_learner):
        assert (await client.get(f"/problems/{new_id}", headers=who.headers)).status_code == 404
        assert (await submit(client, who, new_id)).status_code == 404
    assert (await client.get(f"/problems/{new_id}")).status_code == 404  # anonymous

    # inside the window: the class's learners read it (no solution) and solve it
    fake_clock.set(HOUR + timedelta(minutes=5))
    read = await client.get(f"/problems/{new_id}", headers=learner.headers)
    assert read.status_code == 200, read.text
    assert read.json()["title"] == "Double it!"
    assert "print(n * 2)" not in read.text  # no solution
    assert "100" not in read.text  # the hidden test stays hidden
    solved = await submit(client, learner, new_id)
    assert solved.status_code == 200, solved.text
    assert solved.json()["submissionResult"]["verdict"] == "ACCEPTED"
    assert (
        await client.get(f"/problems/{new_id}", headers=other_learner.headers)
    ).status_code == 404
    assert (await submit(client, other_learner, new_id)).status_code == 404
    opened = (await client.get("/challenges/open", headers=learner.headers)).json()["challenges"]
    assert [p["id"] for p in opened[0]["problems"]] == [problem["id"], new_id]
    assert opened[0]["solved"] == [new_id]

    # after it closes: a kind "this challenge is over", and no more solving
    fake_clock.set(2 * HOUR)
    closed = await client.get(f"/problems/{new_id}", headers=learner.headers)
    assert (closed.status_code, closed.json()["error"]["code"]) == (403, "CHALLENGE_CLOSED")
    assert "over" in closed.json()["error"]["message"]
    assert (await submit(client, learner, new_id)).status_code == 403
    assert (
        await client.get(f"/problems/{new_id}", headers=other_learner.headers)
    ).status_code == 404
    # the teacher can set it again in a new challenge; another class cannot borrow it
    again = {
        **body,
        "problemIds": [new_id],
        "newProblems": [],
        "opensAt": at(3 * HOUR),
        "closesAt": at(4 * HOUR),
    }
    assert (
        await client.post(f"/classes/{class_id}/challenges", json=again, headers=teacher.headers)
    ).status_code == 201
    borrowed = await client.post(
        f"/classes/{other_class}/challenges", json=again, headers=other_teacher.headers
    )
    assert (borrowed.status_code, borrowed.json()["error"]["code"]) == (422, "NO_SUCH_PROBLEM")


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"opensAt": at(-3 * HOUR), "closesAt": at(-HOUR)}, "WINDOW_PASSED", "already passed"),
        ({"closesAt": at(HOUR / 2)}, "BAD_WINDOW", "close after it opens"),
        ({"problemIds": []}, "NO_PROBLEMS", "at least one puzzle"),
        (
            {
                "newProblems": [
                    new_puzzle(tests=[{"input": "1", "expectedOutput": "2", "hidden": True}])
                ]
            },
            "NO_VISIBLE_TEST",
            "visible",
        ),
        ({"newProblems": [new_puzzle(referenceSolution=" ")]}, "NO_SOLUTION", "solution"),
    ],
)
async def test_a_challenge_form_mistake_gets_a_friendly_answer(
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
    fake_clock: Clock,
    change: dict[str, Any],
    code: str,
    words: str,
) -> None:
    class_id = await class_with(client, teacher, learner)
    body = {
        "title": "Quiz",
        "problemIds": [problem["id"]],
        "opensAt": at(HOUR),
        "closesAt": at(2 * HOUR),
    }
    body.update(change)
    answer = await client.post(
        f"/classes/{class_id}/challenges", json=body, headers=teacher.headers
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert words in error["message"]
    challenges = await client.get(f"/classes/{class_id}/challenges", headers=teacher.headers)
    assert challenges.json()["challenges"] == []  # nothing half-made


async def test_a_contest_counts_solves_by_the_clock_its_window_is_judged_by(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
    fake_clock: Clock,
) -> None:
    """The window opens and closes by `clock.now()`; a solve inside it must count by the same
    clock (not by the host's), and a solve after it closes must not."""
    fast = await create_account(app, "fast", age_group="10-12")
    late = await create_account(app, "late", age_group="10-12")
    class_id = await class_with(client, teacher, learner, fast, late)
    body = problem_payload("double-me", title="Double me", referenceSolution=PUZZLE_SOLUTION)
    body["tests"] = [{"name": "two", "input": "2", "expectedOutput": "4"}]
    created = await client.post("/problems", json=body, headers=teacher.headers)
    assert created.status_code == 201, created.text  # level 1: open to all, before and after
    made = await client.post(
        f"/classes/{class_id}/challenges",
        json={
            "title": "Speed round",
            "problemIds": ["double-me"],
            "opensAt": at(HOUR),
            "closesAt": at(2 * HOUR),
            "contest": True,
        },
        headers=teacher.headers,
    )
    assert made.status_code == 201, made.text
    results = f"/classes/{class_id}/challenges/{made.json()['id']}/results"

    async def solve(who: Account, when: timedelta) -> None:
        fake_clock.set(when)
        answer = await submit(client, who, "double-me")
        assert answer.status_code == 200, answer.text
        assert answer.json()["submissionResult"]["verdict"] == "ACCEPTED"

    await solve(fast, HOUR + timedelta(minutes=5))
    await solve(learner, HOUR + timedelta(minutes=20))
    await solve(late, 2 * HOUR + timedelta(minutes=10))  # after it closed: not counted

    ranking = await client.get(results, headers=teacher.headers)
    assert ranking.status_code == 200, ranking.text
    rows = [(r["name"], r["solved"], r["minutes"]) for r in ranking.json()["rows"]]
    assert rows == [("fast", 1, 5), ("learner1", 1, 20), ("late", 0, 0)]


async def test_needs_help_for_idling_is_judged_by_the_same_clock(
    client: httpx.AsyncClient, teacher: Account, learner: Account, fake_clock: Clock
) -> None:
    """Runs are dated by the clock, so "working for M minutes without a solve" is measured by it
    too: a stretch of runs from T0 to T0+12 min flags a class whose M is 10, not before."""
    class_id = await class_with(client, teacher, learner)  # helpIdleMinutes: 10

    async def idle_reasons() -> list[str]:
        grid = await client.get(f"/classes/{class_id}/progress", headers=teacher.headers)
        assert grid.status_code == 200, grid.text
        return [h["message"] for h in grid.json()["learners"][0]["help"] if h["kind"] == "idle"]

    for minute in (0, 4, 8, 12):
        fake_clock.set(timedelta(minutes=minute))
        ran = await client.post(
            "/execution/run?wait=true", json={"code": "print(1)"}, headers=learner.headers
        )
        assert ran.status_code == 200, ran.text
        if minute == 8:
            assert await idle_reasons() == []
    assert await idle_reasons() == ["working for 12 minutes without a solve"]
