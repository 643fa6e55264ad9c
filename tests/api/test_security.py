"""The issue's security list: tokens, access control, mass assignment, leaks, enumeration."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from coderunner.auth.tokens import ISSUER, issue_token
from tests.support.app import (
    PASSWORD,
    SECRET_MARKERS,
    TEST_SECRET,
    Account,
    create_account,
    problem_payload,
    register,
)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(user_id: str, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user_id,
        "jti": "j" * 32,
        "iat": now,
        "exp": now + timedelta(days=1),
        "iss": ISSUER,
    }
    claims.update(overrides)
    return claims


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


async def test_valid_token_is_accepted(client: httpx.AsyncClient, learner: Account) -> None:
    token = jwt.encode(_claims(learner.id), TEST_SECRET, algorithm="HS256")
    assert (await _me(client, token)).status_code == 200


async def test_tampered_token_refused(
    client: httpx.AsyncClient, learner: Account, admin: Account
) -> None:
    header, _payload, signature = learner.token.split(".")
    forged_payload = _b64(
        {"sub": admin.id, "jti": "x" * 32, "iat": 1, "exp": 4_000_000_000, "iss": ISSUER}
    )
    response = await _me(client, f"{header}.{forged_payload}.{signature}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"
    flipped = learner.token[:-2] + ("AA" if not learner.token.endswith("AA") else "BB")
    assert (await _me(client, flipped)).status_code == 401


async def test_expired_token_refused(client: httpx.AsyncClient, learner: Account) -> None:
    past = datetime.now(UTC) - timedelta(days=8)
    token, _ = issue_token(learner.id, TEST_SECRET, now=past)
    response = await _me(client, token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"


async def test_alg_none_token_refused(client: httpx.AsyncClient, learner: Account) -> None:
    now = int(datetime.now(UTC).timestamp())
    payload = {"sub": learner.id, "jti": "n" * 32, "iat": now, "exp": now + 3600, "iss": ISSUER}
    for alg in ("none", "None", "NONE"):
        token = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(payload)}."
        assert (await _me(client, token)).status_code == 401


async def test_wrong_secret_and_wrong_algorithm_refused(
    client: httpx.AsyncClient, learner: Account
) -> None:
    wrong = jwt.encode(_claims(learner.id), "another-secret-" + "q" * 40, algorithm="HS256")
    assert (await _me(client, wrong)).status_code == 401
    hs512 = jwt.encode(_claims(learner.id), TEST_SECRET, algorithm="HS512")
    assert (await _me(client, hs512)).status_code == 401


async def test_token_for_deleted_or_unknown_user_and_garbage_refused(
    client: httpx.AsyncClient,
) -> None:
    ghost = jwt.encode(_claims("00000000-0000-0000-0000-000000000000"), TEST_SECRET, "HS256")
    assert (await _me(client, ghost)).status_code == 401
    for garbage in ("not-a-jwt", "a.b.c", ""):
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {garbage}"})
        assert response.status_code == 401
    basic = await client.get("/auth/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


async def test_token_without_required_claims_refused(
    client: httpx.AsyncClient, learner: Account
) -> None:
    for missing in ("jti", "exp", "iss"):
        claims = _claims(learner.id)
        del claims[missing]
        token = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
        assert (await _me(client, token)).status_code == 401, missing


async def test_learner_cannot_set_own_role(client: httpx.AsyncClient, learner: Account) -> None:
    response = await client.patch("/auth/me", json={"role": "admin"}, headers=learner.headers)
    assert response.status_code == 422
    response = await client.patch(
        f"/auth/users/{learner.id}/role", json={"role": "admin"}, headers=learner.headers
    )
    assert response.status_code == 403
    me = await client.get("/auth/me", headers=learner.headers)
    assert me.json()["role"] == "learner"


async def test_register_cannot_choose_role(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register", json={"username": "sneaky", "password": PASSWORD, "role": "admin"}
    )
    assert response.status_code == 422
    login = await client.post("/auth/login", json={"username": "sneaky", "password": PASSWORD})
    assert login.status_code == 401  # no account was created


async def test_learner_cannot_read_other_users(client: httpx.AsyncClient, learner: Account) -> None:
    other = await register(client, "other_kid")
    response = await client.get(f"/auth/users/{other.id}", headers=learner.headers)
    assert response.status_code == 403


async def test_learner_cannot_touch_another_learners_session(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    other = await create_account(app, "other_kid")
    started = await client.post(
        "/sessions", json={"ageGroup": "10-12", "levelNumber": 1}, headers=other.headers
    )
    session_id = started.json()["id"]
    for action in ("heartbeat", "end"):
        response = await client.post(f"/sessions/{session_id}/{action}", headers=learner.headers)
        assert response.status_code == 404
    mine = await client.get("/sessions", headers=learner.headers)
    assert mine.json()["total"] == 0


async def test_learner_cannot_author(
    client: httpx.AsyncClient, learner: Account, problem: dict[str, Any]
) -> None:
    h = learner.headers
    assert (
        await client.post("/problems", json=problem_payload("x-new"), headers=h)
    ).status_code == 403
    assert (
        await client.patch(f"/problems/{problem['id']}", json={"title": "pwned"}, headers=h)
    ).status_code == 403
    assert (await client.delete(f"/problems/{problem['id']}", headers=h)).status_code == 403
    assert (await client.get(f"/problems/{problem['id']}/full", headers=h)).status_code == 403
    level = {"ageGroup": "7-9", "number": 9, "title": "x"}
    assert (await client.post("/levels", json=level, headers=h)).status_code == 403
    assert (await client.delete("/levels/10-12/1", headers=h)).status_code == 403
    anonymous = await client.post("/problems", json=problem_payload("y-new"))
    assert anonymous.status_code == 401


async def test_hidden_tests_never_reach_learners(
    client: httpx.AsyncClient, app: FastAPI, learner: Account, problem: dict[str, Any]
) -> None:
    """Every learner-facing route, anonymous and logged in: no hidden test, no solution."""
    pid = problem["id"]
    await client.post(
        "/sessions",
        json={"ageGroup": "10-12", "levelNumber": 1, "problemId": pid},
        headers=learner.headers,
    )
    from coderunner.progress.service import record_submission

    async with app.state.sessionmaker() as session:
        await record_submission(session, learner.id, pid, 0.5, False)
        await session.commit()
    urls = [
        "/problems",
        "/problems?ageGroup=10-12&level=1&q=reverse&concept=strings",
        f"/problems/{pid}",
        "/levels",
        "/levels/10-12",
        "/levels/10-12/1",
        "/progress",
        "/sessions",
        "/cheatsheets",
        "/auth/me",
        "/openapi.json",
    ]
    # plus every other GET route whose path parameters we can fill (routes added later too)
    fill = {"problem_id": pid, "age_group": "10-12", "level_number": "1", "slug": "none"}
    spec = (await client.get("/openapi.json")).json()
    for path, operations in spec["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        if "get" in operations and all(n in fill for n in names):
            url = path.format(**fill)
            if url not in urls:
                urls.append(url)
    assert len(urls) > 12
    seen_visible = False
    for headers in ({}, learner.headers):
        for url in urls:
            response = await asyncio.wait_for(client.get(url, headers=headers), 10)
            if response.status_code in (401, 403, 404):
                continue
            assert response.status_code == 200, (url, response.text)
            text = response.text
            for marker in SECRET_MARKERS:
                assert marker not in text, (url, marker)
            assert "referenceSolution" not in text or url == "/openapi.json"
            seen_visible = seen_visible or "cba" in text
    assert seen_visible  # the visible test did come through
    detail = (await client.get(f"/problems/{pid}", headers=learner.headers)).json()
    assert [t["name"] for t in detail["tests"]] == ["visible one"]
    assert set(detail) >= {"statement", "starterCode", "hints", "tests"}
    assert not {"referenceSolution", "comparison", "hidden"} & set(detail)


async def test_staff_see_hidden_tests(
    client: httpx.AsyncClient, teacher: Account, problem: dict[str, Any]
) -> None:
    full = await client.get(f"/problems/{problem['id']}/full", headers=teacher.headers)
    assert full.status_code == 200
    body = full.json()
    assert body["referenceSolution"].endswith("REFERENCE-SOLUTION-7781")
    assert [t["hidden"] for t in body["tests"]] == [False, True]


async def test_login_errors_do_not_reveal_usernames(
    client: httpx.AsyncClient, learner: Account
) -> None:
    unknown = await client.post(
        "/auth/login", json={"username": "nobody_here", "password": "x" * 10}
    )
    wrong = await client.post(
        "/auth/login", json={"username": learner.username, "password": "x" * 10}
    )
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.json()["error"]["code"] == "INVALID_CREDENTIALS"


@pytest.mark.parametrize("settings_overrides", [{"auth_failure_limit": 3}])
async def test_repeated_login_failures_are_rate_limited(
    client: httpx.AsyncClient, learner: Account
) -> None:
    body = {"username": learner.username, "password": "wrong-password"}
    codes = [(await client.post("/auth/login", json=body)).status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    blocked = await client.post("/auth/login", json=body)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["error"]["code"] == "RATE_LIMITED"
    # even the right password waits: the limit is checked before the credentials
    right = await client.post(
        "/auth/login", json={"username": learner.username, "password": PASSWORD}
    )
    assert right.status_code == 429
