"""Password hashing under a class's burst (found by `make loadtest`): the hash runs in a bounded
pool, a full pool answers 503 + Retry-After at once, and no request holds the database (SQLite's
write lock, a pooled connection) while it waits for or runs a hash.

The hashes are held on an event instead of timed, so nothing here depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from coderunner.auth import password_pool, tokens
from coderunner.auth.models import User
from coderunner.auth.password_pool import BUSY_MESSAGE, PasswordPool, PasswordsBusy
from coderunner.auth.tokens import hash_password, password_hash
from tests.support.app import PASSWORD, Account, create_account

HOLD_S = 60


class Gate:
    """Stands in for a slow hash: `entered` when a hash starts, each waits for `release`."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.started = 0

    def wrap(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any) -> Any:
            self.started += 1
            self.entered.set()
            assert self.release.wait(HOLD_S), "the test never released the hash"
            return real(*args)

        return held

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, HOLD_S)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate()
    monkeypatch.setattr(password_pool, "hash_password", held.wrap(tokens.hash_password))
    monkeypatch.setattr(password_pool, "verify_password", held.wrap(tokens.verify_password))
    yield held
    held.release.set()


# --- the pool on its own


async def test_the_pool_refuses_beyond_its_queue_with_a_retry_after(gate: Gate) -> None:
    pool = PasswordPool(workers=1, queue=1, max_wait_s=HOLD_S)
    try:
        running = asyncio.create_task(pool.hash("first-password"))
        await gate.wait_entered()
        waiting = asyncio.create_task(pool.hash("second-password"))
        while pool.waiting < 1:
            await asyncio.sleep(0.01)
        with pytest.raises(PasswordsBusy) as refused:
            await pool.hash("third-password")
        assert refused.value.status_code == 503
        assert refused.value.code == "BUSY"
        assert int((refused.value.headers or {})["Retry-After"]) >= 1
        gate.release.set()
        hashes = await asyncio.gather(running, waiting)
        assert all(h.startswith("$argon2id$") for h in hashes)
        assert gate.started == 2  # the refused one never ran
    finally:
        gate.release.set()
        pool.close()


async def test_the_pool_lets_nobody_wait_longer_than_its_bound(gate: Gate) -> None:
    pool = PasswordPool(workers=1, queue=100, max_wait_s=0.5)
    try:
        running = asyncio.create_task(pool.hash("first-password"))
        await gate.wait_entered()
        with pytest.raises(PasswordsBusy):
            await pool.hash("second-password")
        assert pool.waiting == 0
        gate.release.set()
        await running
        # free again: the next one runs at once
        assert await pool.verify("first-password", await pool.hash("first-password")) == (
            True,
            None,
        )
    finally:
        gate.release.set()
        pool.close()


def test_hashes_use_the_documented_argon2_cost() -> None:
    made = hash_password(PASSWORD)
    assert made.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), made


# --- through the API (SQLite and PostgreSQL)


async def _patch_profile(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await client.patch("/auth/me", json={"displayName": "Robin"}, headers=account.headers)


async def test_a_sign_up_holds_no_lock_while_its_password_is_hashed(
    app: FastAPI, client: httpx.AsyncClient, gate: Gate
) -> None:
    other = await create_account(app, "writer1", age_group="10-12")
    signup = asyncio.create_task(
        client.post("/auth/register", json={"username": "newkid1", "password": PASSWORD})
    )
    await gate.wait_entered()
    # another child's write goes through while the hash is held (SQLite: a write lock held
    # across the hash made this wait out the busy timeout and fail)
    changed = await asyncio.wait_for(_patch_profile(client, other), 30)
    assert changed.status_code == 200, changed.text
    assert not signup.done()
    gate.release.set()
    created = await signup
    assert created.status_code == 201, created.text


async def test_a_login_holds_no_lock_while_its_password_is_checked(
    app: FastAPI, client: httpx.AsyncClient, gate: Gate
) -> None:
    other = await create_account(app, "writer2", age_group="10-12")
    await create_account(app, "loginkid", age_group="10-12")
    login = asyncio.create_task(
        client.post("/auth/login", json={"username": "loginkid", "password": PASSWORD})
    )
    await gate.wait_entered()
    changed = await asyncio.wait_for(_patch_profile(client, other), 30)
    assert changed.status_code == 200, changed.text
    gate.release.set()
    answered = await login
    assert answered.status_code == 200, answered.text


@pytest.mark.parametrize("settings_overrides", [{"password_workers": 1, "password_queue": 0}])
async def test_a_full_pool_answers_503_busy_with_retry_after(
    app: FastAPI, client: httpx.AsyncClient, gate: Gate, settings_overrides: dict[str, Any]
) -> None:
    first = asyncio.create_task(
        client.post("/auth/register", json={"username": "firstkid", "password": PASSWORD})
    )
    await gate.wait_entered()
    refused = await client.post(
        "/auth/register", json={"username": "secondkid", "password": PASSWORD}
    )
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == {"code": "BUSY", "message": BUSY_MESSAGE}
    assert int(refused.headers["retry-after"]) >= 1
    login = await client.post("/auth/login", json={"username": "firstkid", "password": "x" * 8})
    assert login.status_code == 503
    gate.release.set()
    assert (await first).status_code == 201
    # the refused child was not created, and may simply try again
    again = await client.post(
        "/auth/register", json={"username": "secondkid", "password": PASSWORD}
    )
    assert again.status_code == 201, again.text


async def test_an_older_costlier_hash_still_logs_in_and_is_upgraded(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from pwdlib.hashers.argon2 import Argon2Hasher

    old = Argon2Hasher().hash(PASSWORD)  # argon2-cffi's defaults: 64 MiB, 3 passes, 4 lanes
    assert "m=65536,t=3,p=4" in old
    async with app.state.sessionmaker() as session:
        session.add(User(username="oldhash", password_hash=old, leaderboard_opt_out=True))
        await session.commit()
    answered = await client.post("/auth/login", json={"username": "oldhash", "password": PASSWORD})
    assert answered.status_code == 200, answered.text
    async with app.state.sessionmaker() as session:
        stored = (
            await session.execute(select(User.password_hash).where(User.username == "oldhash"))
        ).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert password_hash.verify(PASSWORD, stored)
