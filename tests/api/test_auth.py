"""Register, login, me, profile, logout, roles."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from coderunner.auth.tokens import decode_token
from tests.support.app import PASSWORD, TEST_SECRET, Account, register


async def test_register_returns_token_and_camel_case_user(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register",
        json={"username": "Ada_7", "password": PASSWORD, "displayName": "Ada", "ageGroup": "7-9"},
    )
    assert response.status_code == 201
    body = response.json()
    user = body["user"]
    assert user["username"] == "Ada_7"
    assert user["displayName"] == "Ada"
    assert user["ageGroup"] == "7-9"
    assert user["role"] == "learner"
    assert user["leaderboardOptOut"] is True  # the leaderboard is opt-in
    assert "passwordHash" not in user
    assert "password_hash" not in user
    claims = decode_token(body["token"], TEST_SECRET)
    assert claims.user_id == user["id"]
    lifetime = claims.expires_at.timestamp() - __import__("time").time()
    assert 6.9 * 86400 < lifetime <= 7 * 86400 + 5


async def test_usernames_are_unique_regardless_of_case(client: httpx.AsyncClient) -> None:
    await register(client, "Zoe")
    response = await client.post("/auth/register", json={"username": "zOE", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "USERNAME_TAKEN"


async def test_register_validates_input(client: httpx.AsyncClient) -> None:
    for body in (
        {"username": "ab", "password": PASSWORD},
        {"username": "has space", "password": PASSWORD},
        {"username": "okname", "password": "short"},
        {"username": "okname", "password": PASSWORD, "ageGroup": "99-100"},
        {"username": "okname", "password": PASSWORD, "email": "kid@example.com"},
    ):
        response = await client.post("/auth/register", json=body)
        assert response.status_code == 422, body
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert error["message"]
        assert error["details"]


async def test_login_me_and_case_insensitive_username(client: httpx.AsyncClient) -> None:
    account = await register(client, "Kenji")
    response = await client.post("/auth/login", json={"username": "kenji", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["id"] == account.id


async def test_me_requires_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_update_profile(client: httpx.AsyncClient, learner: Account) -> None:
    response = await client.patch(
        "/auth/me",
        json={"displayName": "Nila fan", "character": "nila", "leaderboardOptOut": True},
        headers=learner.headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["displayName"], body["character"], body["leaderboardOptOut"]) == (
        "Nila fan",
        "nila",
        True,
    )
    bad = await client.patch("/auth/me", json={"character": "dragon"}, headers=learner.headers)
    assert bad.status_code == 422


async def test_logout_revokes_the_token(client: httpx.AsyncClient, learner: Account) -> None:
    assert (await client.get("/auth/me", headers=learner.headers)).status_code == 200
    response = await client.post("/auth/logout", headers=learner.headers)
    assert response.status_code == 200
    after = await client.get("/auth/me", headers=learner.headers)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "TOKEN_REVOKED"
    # a fresh login still works
    login = await client.post(
        "/auth/login", json={"username": learner.username, "password": PASSWORD}
    )
    assert login.status_code == 200


async def test_admin_changes_roles_teacher_cannot(
    client: httpx.AsyncClient, admin: Account, teacher: Account, learner: Account
) -> None:
    denied = await client.patch(
        f"/auth/users/{learner.id}/role", json={"role": "admin"}, headers=teacher.headers
    )
    assert denied.status_code == 403
    response = await client.patch(
        f"/auth/users/{learner.id}/role", json={"role": "teacher"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "teacher"
    me = await client.get("/auth/me", headers=learner.headers)
    assert me.json()["role"] == "teacher"
    missing = await client.patch(
        "/auth/users/nope/role", json={"role": "teacher"}, headers=admin.headers
    )
    assert missing.status_code == 404


async def test_bcrypt_hashes_verify_and_upgrade(client: httpx.AsyncClient, app: FastAPI) -> None:
    import bcrypt
    from sqlalchemy import select

    from coderunner.auth.models import User

    account = await register(client, "legacy")
    legacy_hash = bcrypt.hashpw(b"old-bcrypt-password", bcrypt.gensalt(rounds=4)).decode()
    async with app.state.sessionmaker() as session:
        user = await session.get(User, account.id)
        assert user is not None
        user.password_hash = legacy_hash
        await session.commit()
    response = await client.post(
        "/auth/login", json={"username": "legacy", "password": "old-bcrypt-password"}
    )
    assert response.status_code == 200
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(select(User.password_hash).where(User.id == account.id))
    assert stored is not None
    assert stored.startswith("$argon2id$")


async def test_a_request_decodes_its_token_once(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rate limiter (on in these tests) and the auth dependency share one decode."""
    account = await register(client, "Once")
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return real_decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    response = await client.get("/auth/me", headers=account.headers)
    assert response.status_code == 200
    assert decoded == [account.token]
    # a token that does not verify is refused as before
    bad = await client.get("/auth/me", headers={"Authorization": f"Bearer {account.token}x"})
    assert bad.status_code == 401
