"""Classes over the real app (SQLite and PostgreSQL): create, join, teachers, accounts, and the
access table (teacher A vs teacher B vs learner vs admin vs outsider)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coderunner.auth.models import Role
from coderunner.auth.names import ADJECTIVES, ANIMALS, poses_as_staff
from coderunner.classes import codes
from tests.support.app import Account, create_account, problem_payload


async def make_class(
    client: httpx.AsyncClient, teacher: Any, name: str = "Class 4B", age_group: str = "7-9"
) -> dict[str, Any]:
    response = await client.post(
        "/classes", json={"name": name, "ageGroup": age_group}, headers=teacher.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def join(client: httpx.AsyncClient, learner: Any, code: str) -> httpx.Response:
    return await client.post("/classes/join", json={"joinCode": code}, headers=learner.headers)


def test_join_codes_are_long_and_unambiguous() -> None:
    seen = {codes.new_join_code() for _ in range(500)}
    assert len(seen) == 500
    for code in seen:
        assert len(code) == 8
        assert not set(code) & set("0O1IL")
    assert len(codes.CODE_ALPHABET) ** codes.CODE_LENGTH > 10**11
    assert codes.normalise_join_code(" abcd - efgh ") == "ABCDEFGH"
    assert codes.format_join_code("ABCDEFGH") == "ABCD-EFGH"


def test_generated_usernames_and_passwords_are_simple() -> None:
    assert codes.username_base("Zoë Ann") == "zoeann"
    assert codes.username_base("李") == "coder"  # nothing ASCII left: a neutral base
    assert re.fullmatch(r"mia\d{3}", codes.username_candidate("Mia"))
    for _ in range(200):
        password = codes.new_password()
        assert re.fullmatch(r"[a-z]+\d{2,3}", password)
        assert len(password) >= 8


def test_generated_usernames_never_pose_as_staff() -> None:
    """A first name that is (or holds) a reserved word gives the neutral base, and the digits,
    which the rule reads as letters ("7" is "t"), never finish one ("suppor" + "7..")."""
    for first_name in ("Admin", "Stafford", "Teacher", "Mod"):
        assert codes.username_base(first_name) == "coder", first_name
    assert codes.username_base("Modesta") == "modesta"  # "mod" only counts as a word
    for _ in range(300):
        candidate = codes.username_candidate("Suppor")
        assert not poses_as_staff(candidate), candidate


async def test_teacher_creates_a_class_and_a_learner_joins_with_the_code(
    client: httpx.AsyncClient, teacher: Account, learner: Account
) -> None:
    made = await make_class(client, teacher)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", made["joinCode"])
    assert (made["name"], made["ageGroup"], made["role"]) == ("Class 4B", "7-9", "teacher")
    # typed by a child: lower case, no dash, spaces
    typed = made["joinCode"].lower().replace("-", " ")
    joined = await join(client, learner, typed)
    assert joined.status_code == 200, joined.text
    assert joined.json()["id"] == made["id"]
    assert joined.json()["joinCode"] is None  # learners don't pass the code on
    again = await join(client, learner, made["joinCode"])
    assert again.status_code == 200  # joining twice is harmless
    mine = (await client.get("/classes", headers=learner.headers)).json()["classes"]
    assert [c["id"] for c in mine] == [made["id"]]
    detail = (await client.get(f"/classes/{made['id']}", headers=teacher.headers)).json()
    assert [row["username"] for row in detail["learners"]] == [learner.username]
    assert detail["learners"][0]["managed"] is False
    assert [t["username"] for t in detail["teachers"]] == [teacher.username]
    teaching = (await client.get("/classes", headers=teacher.headers)).json()["classes"]
    assert [(c["id"], c["learnerCount"]) for c in teaching] == [(made["id"], 1)]


async def test_a_learner_can_be_in_several_classes_and_leave_one(
    app: FastAPI, client: httpx.AsyncClient, teacher: Account, learner: Account
) -> None:
    first = await make_class(client, teacher, "Mon")
    second = await make_class(client, teacher, "Tue")
    for made in (first, second):
        assert (await join(client, learner, made["joinCode"])).status_code == 200
    mine = (await client.get("/classes", headers=learner.headers)).json()["classes"]
    assert {c["name"] for c in mine} == {"Mon", "Tue"}
    left = await client.delete(f"/classes/{first['id']}/membership", headers=learner.headers)
    assert left.status_code == 204
    mine = (await client.get("/classes", headers=learner.headers)).json()["classes"]
    assert [c["name"] for c in mine] == ["Tue"]
    gone = await client.get(f"/classes/{first['id']}", headers=learner.headers)
    assert gone.status_code == 404


async def test_a_teacher_or_admin_cannot_leave_a_class_they_are_not_in(
    client: httpx.AsyncClient, teacher: Account, admin: Account, learner: Account
) -> None:
    """Leaving is for the class's learners: its teacher (or an admin) calling it is told so,
    not answered 204 for nothing; the class and its learners stay as they were."""
    made = await make_class(client, teacher)
    assert (await join(client, learner, made["joinCode"])).status_code == 200
    for who in (teacher, admin):
        refused = await client.delete(f"/classes/{made['id']}/membership", headers=who.headers)
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "NOT_A_MEMBER"
        assert "teachers" in error["message"]
    detail = (await client.get(f"/classes/{made['id']}", headers=teacher.headers)).json()
    assert [t["username"] for t in detail["teachers"]] == [teacher.username]
    assert [row["username"] for row in detail["learners"]] == [learner.username]
    left = await client.delete(f"/classes/{made['id']}/membership", headers=learner.headers)
    assert left.status_code == 204
    again = await client.delete(f"/classes/{made['id']}/membership", headers=learner.headers)
    assert again.status_code == 404  # no longer in it: the class is not theirs to see


async def test_a_wrong_code_is_kind_and_guessing_is_rate_limited(
    client: httpx.AsyncClient, teacher: Account, learner: Account
) -> None:
    made = await make_class(client, teacher)
    wrong = await join(client, learner, "ZZZZ-ZZZZ")
    assert wrong.status_code == 404
    assert "teacher" in wrong.json()["error"]["message"]
    for _ in range(9):
        assert (await join(client, learner, "ZZZZ-ZZZZ")).status_code == 404
    limited = await join(client, learner, "ZZZZ-ZZZZ")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    # even the right code waits: a guesser cannot tell it found one
    assert (await join(client, learner, made["joinCode"])).status_code == 429
    empty = await client.post("/classes/join", json={"joinCode": ""}, headers=learner.headers)
    assert empty.status_code == 422


async def test_teachers_do_not_join_with_a_code_but_are_added_as_co_teachers(
    app: FastAPI, client: httpx.AsyncClient, teacher: Account, learner: Account
) -> None:
    other = await create_account(app, "teacher2", Role.TEACHER)
    made = await make_class(client, teacher)
    refused = await join(client, other, made["joinCode"])
    assert refused.status_code == 403
    not_a_teacher = await client.post(
        f"/classes/{made['id']}/teachers",
        json={"username": learner.username},
        headers=teacher.headers,
    )
    assert not_a_teacher.status_code == 422
    added = await client.post(
        f"/classes/{made['id']}/teachers", json={"username": "teacher2"}, headers=teacher.headers
    )
    assert added.status_code == 200, added.text
    assert {t["username"] for t in added.json()["teachers"]} == {"teacher1", "teacher2"}
    assert (await client.get(f"/classes/{made['id']}", headers=other.headers)).status_code == 200
    removed = await client.delete(
        f"/classes/{made['id']}/teachers/{teacher.id}", headers=other.headers
    )
    assert removed.status_code == 204
    last = await client.delete(f"/classes/{made['id']}/teachers/{other.id}", headers=other.headers)
    assert last.status_code == 409
    assert (await client.get(f"/classes/{made['id']}", headers=teacher.headers)).status_code == 404


async def test_an_admin_lists_every_class_and_a_teacher_only_theirs(
    app: FastAPI, client: httpx.AsyncClient, teacher: Account, learner: Account, admin: Account
) -> None:
    other = await create_account(app, "teacher2", Role.TEACHER)
    first = await make_class(client, teacher, "Mon")
    second = await make_class(client, other, "Tue")
    everything = await client.get("/classes", params={"all": "true"}, headers=admin.headers)
    assert everything.status_code == 200, everything.text
    listed = everything.json()["classes"]
    assert [(c["id"], c["role"]) for c in listed] == [
        (first["id"], "admin"),
        (second["id"], "admin"),
    ]
    assert [c["joinCode"] for c in listed] == [first["joinCode"], second["joinCode"]]
    assert (await client.get("/classes", headers=admin.headers)).json()["classes"] == []  # mine
    for who in (teacher, learner):
        refused = await client.get("/classes", params={"all": "true"}, headers=who.headers)
        assert refused.status_code == 403, refused.text
        assert second["name"] not in refused.text


async def test_bulk_accounts_log_in_and_keep_no_first_names(
    app: FastAPI, client: httpx.AsyncClient, teacher: Account
) -> None:
    made = await make_class(client, teacher)
    names = ["Mia", "Leo", "Mia", "Zoë", "Admin"]
    created = await client.post(
        f"/classes/{made['id']}/learners", json={"names": names}, headers=teacher.headers
    )
    assert created.status_code == 201, created.text
    accounts = created.json()["accounts"]
    assert len(accounts) == 5
    usernames = [a["username"] for a in accounts]
    assert len(set(usernames)) == 5
    # a first name that poses as staff gives the neutral base
    assert [re.sub(r"\d+$", "", u) for u in usernames] == ["mia", "leo", "mia", "zoe", "coder"]
    for account in accounts:
        login = await client.post(
            "/auth/login", json={"username": account["username"], "password": account["password"]}
        )
        assert login.status_code == 200, login.text
        user = login.json()["user"]
        assert user["ageGroup"] == "7-9"
        assert user["role"] == "learner"
        assert user["leaderboardOptOut"] is True  # off the leaderboard until they opt in
        # the first name is not kept anywhere; a child gets a friendly made-up name instead
        adjective, _, animal = user["displayName"].partition(" ")
        assert adjective in ADJECTIVES, user
        assert animal in ANIMALS, user
    detail = (await client.get(f"/classes/{made['id']}", headers=teacher.headers)).json()
    assert all(row["managed"] for row in detail["learners"])
    assert "Zoë" not in str(detail)
    # passwords are shown once: nothing that reads the class gives them again
    assert not any(a["password"] in str(detail) for a in accounts)
    too_many = await client.post(
        f"/classes/{made['id']}/learners", json={"names": ["A"] * 41}, headers=teacher.headers
    )
    assert too_many.status_code == 422
    blank = await client.post(
        f"/classes/{made['id']}/learners", json={"names": [" "]}, headers=teacher.headers
    )
    assert blank.status_code == 422


async def test_teacher_resets_a_managed_password_only(
    app: FastAPI, client: httpx.AsyncClient, teacher: Account, learner: Account
) -> None:
    made = await make_class(client, teacher)
    await join(client, learner, made["joinCode"])
    created = await client.post(
        f"/classes/{made['id']}/learners", json={"names": ["Ada"]}, headers=teacher.headers
    )
    [account] = created.json()["accounts"]
    reset = await client.post(
        f"/classes/{made['id']}/learners/{account['id']}/password", headers=teacher.headers
    )
    assert reset.status_code == 200, reset.text
    new = reset.json()["password"]
    assert new != account["password"]
    old_login = await client.post(
        "/auth/login", json={"username": account["username"], "password": account["password"]}
    )
    assert old_login.status_code == 401
    new_login = await client.post(
        "/auth/login", json={"username": account["username"], "password": new}
    )
    assert new_login.status_code == 200
    # a learner who made their own account keeps control of it
    own = await client.post(
        f"/classes/{made['id']}/learners/{learner.id}/password", headers=teacher.headers
    )
    assert own.status_code == 403


async def test_removing_a_learner_keeps_their_progress(
    app: FastAPI,
    client: httpx.AsyncClient,
    teacher: Account,
    learner: Account,
    problem: dict[str, Any],
) -> None:
    from coderunner.progress.service import record_submission

    made = await make_class(client, teacher, age_group="10-12")
    await join(client, learner, made["joinCode"])
    async with app.state.sessionmaker() as session:
        await record_submission(session, learner.id, problem["id"], 1.0, True)
        await session.commit()
    removed = await client.delete(
        f"/classes/{made['id']}/learners/{learner.id}", headers=teacher.headers
    )
    assert removed.status_code == 204
    mine = (await client.get("/progress", headers=learner.headers)).json()
    assert mine["solvedCount"] == 1
    assert (await client.get("/classes", headers=learner.headers)).json()["classes"] == []
    twice = await client.delete(
        f"/classes/{made['id']}/learners/{learner.id}", headers=teacher.headers
    )
    assert twice.status_code == 404


# --- the access table -------------------------------------------------------------------------
# who: "A" teaches the class, "B" is another teacher, "member" joined it, "outsider" is a learner
# who did not, "admin" is an admin. Each row: method, path, body, and the status for each.
UNLOCK = {"userId": "{member}", "ageGroup": "7-9", "levelNumber": 2}
CHALLENGE = {
    "title": "Quiz",
    "problemIds": ["{problem}"],
    "opensAt": "2020-01-01T00:00:00Z",
    "closesAt": "2099-01-01T00:00:00Z",
    "contest": True,
}
WHO = ("A", "B", "member", "outsider", "admin")
ACCESS_TABLE: list[tuple[str, str, dict[str, Any] | None, tuple[int, ...]]] = [
    # method, path, body: A, B, member, outsider, admin
    ("GET", "/classes/{id}", None, (200, 404, 200, 404, 200)),
    ("PATCH", "/classes/{id}", {"name": "New"}, (200, 404, 403, 403, 200)),
    ("POST", "/classes/{id}/join-code", None, (200, 404, 403, 403, 200)),
    ("POST", "/classes/{id}/learners", {"names": ["Kai"]}, (201, 404, 403, 403, 201)),
    ("POST", "/classes/{id}/learners/{managed}/password", None, (200, 404, 403, 403, 200)),
    ("POST", "/classes/{id}/teachers", {"username": "teacherB"}, (200, 404, 403, 403, 200)),
    ("GET", "/classes/{id}/progress", None, (200, 404, 403, 403, 200)),
    ("POST", "/classes/{id}/unlocks", {"levelNumber": 2}, (200, 404, 403, 403, 200)),
    ("GET", "/progress/learners", None, (403, 403, 403, 403, 200)),
    ("GET", "/auth/users/{member}", None, (200, 404, 403, 403, 200)),
    ("POST", "/learning/unlocks", UNLOCK, (200, 404, 403, 403, 200)),
    ("DELETE", "/learning/unlocks/{member}/7-9/2", None, (200, 404, 403, 403, 200)),
    ("DELETE", "/classes/{id}/learners/{member}", None, (204, 404, 403, 403, 204)),
    ("DELETE", "/classes/{id}/unlocks/2", None, (200, 404, 403, 403, 200)),
    ("GET", "/classes/{id}/learners/{member}/problems/{problem}", None, (200, 404, 403, 403, 200)),
    ("GET", "/classes/{id}/progress.csv", None, (200, 404, 403, 403, 200)),
    ("GET", "/classes/{id}/leaderboard", None, (200, 404, 200, 404, 200)),
    ("POST", "/classes/{id}/challenges", CHALLENGE, (201, 404, 403, 403, 201)),
    ("GET", "/classes/{id}/challenges", None, (200, 404, 200, 404, 200)),
    ("GET", "/classes/{id}/challenges/{challenge}/results", None, (200, 404, 200, 404, 200)),
    ("GET", "/classes/{id}/challenges/{challenge}/results.csv", None, (200, 404, 403, 403, 200)),
]  # fmt: skip


def fill(value: Any, values: dict[str, str]) -> Any:
    """A body value with the row's ids put in ("{member}" -> that learner's id)."""
    if isinstance(value, str):
        return value.format(**values)
    return [fill(v, values) for v in value] if isinstance(value, list) else value


@pytest.mark.parametrize("who", WHO)
async def test_access_table(app: FastAPI, client: httpx.AsyncClient, who: str) -> None:
    """Every row of ACCESS_TABLE for one person, each row against a fresh class of A's."""
    admin = await create_account(app, "admin1", Role.ADMIN)
    people = {
        "A": await create_account(app, "teacherA", Role.TEACHER),
        "B": await create_account(app, "teacherB", Role.TEACHER),
        "member": await create_account(app, "member1", age_group="7-9"),
        "outsider": await create_account(app, "outsider1", age_group="7-9"),
        "admin": admin,
    }
    for number in (1, 2):
        level = {"ageGroup": "7-9", "number": number, "title": f"L{number}", "concepts": ["x"]}
        made_level = await client.post("/levels", json=level, headers=admin.headers)
        assert made_level.status_code == 201, made_level.text
    puzzle = problem_payload("count-up", ageGroup="7-9", title="Count up")
    made_problem = await client.post("/problems", json=puzzle, headers=admin.headers)
    assert made_problem.status_code == 201, made_problem.text
    failures = []
    for method, path, body, expected in ACCESS_TABLE:
        made = await make_class(client, people["A"])
        assert (await join(client, people["member"], made["joinCode"])).status_code == 200
        created = await client.post(
            f"/classes/{made['id']}/learners", json={"names": ["Ivy"]}, headers=people["A"].headers
        )
        managed = created.json()["accounts"][0]["id"]
        values = {"id": made["id"], "managed": managed, "member": people["member"].id}
        values["problem"] = "count-up"
        challenge = await client.post(
            f"/classes/{made['id']}/challenges",
            json={**CHALLENGE, "problemIds": ["count-up"]},
            headers=people["A"].headers,
        )
        assert challenge.status_code == 201, challenge.text
        values["challenge"] = challenge.json()["id"]
        payload = {k: fill(v, values) for k, v in (body or {}).items()}
        response = await client.request(
            method,
            path.format(**values),
            json=payload if body is not None else None,
            headers=people[who].headers,
        )
        want = expected[WHO.index(who)]
        if response.status_code != want:
            failures.append(f"{method} {path}: {response.status_code} != {want} {response.text}")
        elif response.status_code >= 400:
            assert response.json()["error"]["code"]
            assert made["name"] not in response.text or who not in ("B", "outsider")
        # leave the member in no class of A's for the next row's "B" and "outsider" checks
        await client.delete(
            f"/classes/{made['id']}/learners/{people['member'].id}", headers=people["A"].headers
        )
    assert failures == []


async def test_a_password_reset_ends_every_session_the_child_had_open(
    app: FastAPI, client: httpx.AsyncClient, teacher: Account
) -> None:
    made = await make_class(client, teacher)
    created = await client.post(
        f"/classes/{made['id']}/learners", json={"names": ["Ada", "Ben"]}, headers=teacher.headers
    )
    ada, ben = created.json()["accounts"]

    async def login(account: dict[str, str], password: str) -> dict[str, str]:
        answer = await client.post(
            "/auth/login", json={"username": account["username"], "password": password}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    # Ada is logged in on two computers (e.g. a school laptop and a tablet at home)
    laptop, tablet = await login(ada, ada["password"]), await login(ada, ada["password"])
    ben_headers = await login(ben, ben["password"])
    for headers in (laptop, tablet, ben_headers):
        assert (await client.get("/auth/me", headers=headers)).status_code == 200

    reset = await client.post(
        f"/classes/{made['id']}/learners/{ada['id']}/password", headers=teacher.headers
    )
    assert reset.status_code == 200, reset.text
    for headers in (laptop, tablet):
        for method, path in (("GET", "/auth/me"), ("GET", "/classes")):
            gone = await client.request(method, path, headers=headers)
            assert gone.status_code == 401, (path, gone.text)
            assert gone.json()["error"]["code"] == "TOKEN_REVOKED"
        submitted = await client.post(
            "/execution/run", json={"code": "print(1)", "language": "python"}, headers=headers
        )
        assert submitted.status_code == 401
    # the new password works at once
    fresh = await login(ada, reset.json()["password"])
    assert (await client.get("/auth/me", headers=fresh)).status_code == 200
    # a second reset ends the session opened after the first one too
    again = await client.post(
        f"/classes/{made['id']}/learners/{ada['id']}/password", headers=teacher.headers
    )
    assert again.status_code == 200
    assert (await client.get("/auth/me", headers=fresh)).status_code == 401
    # only Ada's sessions end: her classmate and her teacher stay logged in
    assert (await client.get("/auth/me", headers=ben_headers)).status_code == 200
    assert (await client.get("/auth/me", headers=teacher.headers)).status_code == 200
