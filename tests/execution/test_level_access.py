"""One access rule on every route: each protected route x each role x each problem state.

Level 10-12/1 is open to everyone; level 10-12/2 is locked for a learner with no progress and
unlocked by a teacher for another learner. An unpublished problem (in the open level 1) must look
exactly like a missing one to everyone but staff (same status, same body).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coderunner.auth.models import Role
from tests.support.app import create_account, problem_payload

from .conftest import SOLUTION

AGE = "10-12"
OPEN, LOCKED, UNPUBLISHED, MISSING = "p-open", "p-locked", "p-draft", "nope"

Call = Callable[[httpx.AsyncClient, dict[str, str], str], Awaitable[httpx.Response]]


async def _list(client: httpx.AsyncClient, headers: dict[str, str], pid: str) -> httpx.Response:
    level = 2 if pid == LOCKED else 1
    response = await client.get(f"/problems?ageGroup={AGE}&level={level}", headers=headers)
    if response.status_code == 200:
        # listed or not is the answer: a 200 that leaves the problem out is a 404 for the table
        ids = [p["id"] for p in response.json()["items"]]
        if pid not in ids:
            return httpx.Response(404, json={"listed": False})
    return response


async def _list_all(client: httpx.AsyncClient, headers: dict[str, str], pid: str) -> httpx.Response:
    """No filters: the list must still leave out what the viewer may not open."""
    response = await client.get("/problems?pageSize=100", headers=headers)
    assert response.status_code == 200, response.text
    ids = [p["id"] for p in response.json()["items"]]
    if pid in ids:
        return response
    return httpx.Response(403 if pid == LOCKED else 404, json={"listed": False})


async def _read(client: httpx.AsyncClient, headers: dict[str, str], pid: str) -> httpx.Response:
    return await client.get(f"/problems/{pid}", headers=headers)


async def _submit(client: httpx.AsyncClient, headers: dict[str, str], pid: str) -> httpx.Response:
    body = {"problemId": pid, "code": SOLUTION}
    return await client.post("/execution/submit", json=body, headers=headers)


async def _hint(client: httpx.AsyncClient, headers: dict[str, str], pid: str) -> httpx.Response:
    body = {"problemId": pid, "hintIndex": 0}
    return await client.post("/learning/hints", json=body, headers=headers)


async def _time(client: httpx.AsyncClient, headers: dict[str, str], pid: str) -> httpx.Response:
    level = 2 if pid == LOCKED else 1
    body = {"ageGroup": AGE, "levelNumber": level, "problemId": pid}
    return await client.post("/sessions", json=body, headers=headers)


async def _draft_read(
    client: httpx.AsyncClient, headers: dict[str, str], pid: str
) -> httpx.Response:
    return await client.get(f"/drafts/{pid}", headers=headers)


async def _draft_save(
    client: httpx.AsyncClient, headers: dict[str, str], pid: str
) -> httpx.Response:
    body = {"code": SOLUTION, "baseVersion": 0}
    return await client.put(f"/drafts/{pid}/python", json=body, headers=headers)


async def _draft_reset(
    client: httpx.AsyncClient, headers: dict[str, str], pid: str
) -> httpx.Response:
    return await client.delete(f"/drafts/{pid}/python", headers=headers)


ROUTES: dict[str, tuple[Call, int, bool]] = {
    # name: (call, success status, needs a login)
    "list": (_list, 200, False),
    "list-all": (_list_all, 200, False),
    "read": (_read, 200, False),
    "submit": (_submit, 202, True),
    "hint": (_hint, 200, True),
    "time": (_time, 201, True),
    "draft-read": (_draft_read, 200, True),
    "draft-save": (_draft_save, 200, True),
    "draft-reset": (_draft_reset, 200, True),
}

ROLES = ("anonymous", "learner", "unlocked-learner", "teacher", "admin")


def expected(route: str, role: str, pid: str) -> int:
    ok, needs_login = ROUTES[route][1], ROUTES[route][2]
    if role == "anonymous" and needs_login:
        return 401
    staff = role in ("teacher", "admin")
    if pid == MISSING:
        return 404
    if pid == UNPUBLISHED:
        return ok if staff else 404
    if pid == LOCKED:
        return ok if staff or role == "unlocked-learner" else 403
    return ok


async def _seed(app: FastAPI, client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    teacher = await create_account(app, "teach", Role.TEACHER)
    admin = await create_account(app, "boss", Role.ADMIN)
    kid = await create_account(app, "kid", age_group=AGE)
    unlocked = await create_account(app, "kid2", age_group=AGE)
    for number in (1, 2):
        level = {"ageGroup": AGE, "number": number, "title": f"L{number}", "concepts": ["x"]}
        created = await client.post("/levels", json=level, headers=teacher.headers)
        assert created.status_code == 201, created.text
    for pid, number, published in ((OPEN, 1, True), (LOCKED, 2, True), (UNPUBLISHED, 1, False)):
        body = problem_payload(pid, levelNumber=number, isPublished=published)
        created = await client.post("/problems", json=body, headers=teacher.headers)
        assert created.status_code == 201, created.text
    unlock = {"userId": unlocked.id, "ageGroup": AGE, "levelNumber": 2}
    # an admin may unlock for anyone (a teacher only for the learners of their classes)
    opened = await client.post("/learning/unlocks", json=unlock, headers=admin.headers)
    assert opened.status_code == 200, opened.text
    return {
        "anonymous": {},
        "learner": kid.headers,
        "unlocked-learner": unlocked.headers,
        "teacher": teacher.headers,
        "admin": admin.headers,
    }


@pytest.mark.parametrize("route", sorted(ROUTES))
async def test_every_route_keeps_level_locks_and_hides_unpublished(
    app: FastAPI, client: httpx.AsyncClient, route: str
) -> None:
    headers = await _seed(app, client)
    call = ROUTES[route][0]
    wrong: list[str] = []
    for role in ROLES:
        missing_body: Any = None
        for pid in (MISSING, OPEN, LOCKED, UNPUBLISHED):
            response = await call(client, headers[role], pid)
            want = expected(route, role, pid)
            if response.status_code != want:
                wrong.append(f"{role} {pid}: {response.status_code} (want {want})")
                continue
            if want == 403 and "error" in response.json():
                assert response.json()["error"]["code"] == "LEVEL_LOCKED", response.text
            if pid == MISSING:
                missing_body = response.json()
            if pid == UNPUBLISHED and want == 404 and route not in ("list", "list-all"):
                # a draft answers exactly what a missing id answers
                assert response.json() == missing_body, (role, response.text)
    assert not wrong, f"{route}: " + "; ".join(wrong)


async def test_a_locked_problem_awards_no_xp(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await _seed(app, client)
    refused = await _submit(client, headers["learner"], LOCKED)
    assert refused.status_code == 403
    progress = await client.get("/progress", headers=headers["learner"])
    assert progress.json()["totalXp"] == 0
