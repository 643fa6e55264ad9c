"""Failed sign-ins can't be turned against the account's owner or against a class.

Counted per (username, address) and per address (coderunner.auth.throttle), never per username
alone. Over SQLite and PostgreSQL, memory storage; the Redis storage is in test_platform.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from limits.aio.storage import MemoryStorage

from coderunner.auth.models import Role
from coderunner.auth.throttle import BACKOFF_BASE_S, BACKOFF_CAP_S, LoginThrottle
from tests.support.app import PASSWORD, create_account, make_settings

# each sign-in verifies a real Argon2 hash (slow on purpose) and these tests make dozens
pytestmark = pytest.mark.slow

Connect = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def connect(app: FastAPI) -> Connect:
    @asynccontextmanager
    async def _at(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c

    return _at


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"username": username, "password": password})


async def test_strangers_cannot_lock_an_account(app: FastAPI, connect: Connect) -> None:
    teacher = await create_account(app, "ms_smith", Role.TEACHER)
    for n in range(12):  # from several other addresses, more than every limit per pair
        async with connect(f"198.51.100.{n % 2}") as stranger:
            response = await _login(stranger, teacher.username, "guess-" + str(n))
            assert response.status_code in (401, 429)
    async with connect("192.0.2.10") as own:
        right = await _login(own, teacher.username, PASSWORD)
        assert right.status_code == 200, right.text
    async with connect("198.51.100.0") as stranger:
        # the stranger's own pair waits, however right the password
        assert (await _login(stranger, teacher.username, PASSWORD)).status_code == 429


async def test_one_childs_typos_do_not_block_the_class(app: FastAPI, connect: Connect) -> None:
    kids = [await create_account(app, f"kid{n}", age_group="7-9") for n in range(11)]
    async with connect("203.0.113.5") as school:
        for kid in kids[:10]:  # ten children each mistype their password twice
            for _ in range(2):
                assert (await _login(school, kid.username, "oops-typo")).status_code == 401
        clumsy = kids[0]
        for _ in range(3):  # one child goes on mistyping: only that child waits
            await _login(school, clumsy.username, "oops-typo")
        waiting = await _login(school, clumsy.username, PASSWORD)
        assert waiting.status_code == 429
        assert int(waiting.headers["Retry-After"]) >= BACKOFF_BASE_S - 2
        assert "Wait" in waiting.json()["error"]["message"]
        # the eleventh child, and the ones who mistyped a little, sign in
        for kid in kids[1:]:
            assert (await _login(school, kid.username, PASSWORD)).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"auth_address_failure_limit": 8}])
async def test_credential_stuffing_from_one_address_is_stopped(
    app: FastAPI, connect: Connect
) -> None:
    victim = await create_account(app, "victim")
    async with connect("198.51.100.77") as attacker:
        codes = [(await _login(attacker, f"user{n}", "Password1")).status_code for n in range(11)]
        assert codes == [401] * 8 + [429] * 3
        # a right guess from that address gets no answer while it waits
        assert (await _login(attacker, victim.username, PASSWORD)).status_code == 429
    async with connect("192.0.2.44") as home:
        assert (await _login(home, victim.username, PASSWORD)).status_code == 200


async def test_a_success_clears_the_count(app: FastAPI, connect: Connect) -> None:
    kid = await create_account(app, "forgetful")
    async with connect("203.0.113.9") as school:
        for _ in range(3):  # typos, a success, typos again: never waits
            for _ in range(4):
                assert (await _login(school, kid.username, "nope-nope")).status_code == 401
            assert (await _login(school, kid.username, PASSWORD)).status_code == 200


async def test_the_wait_doubles_up_to_a_cap(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr("coderunner.auth.throttle.time.time", lambda: clock[0])
    monkeypatch.setattr("limits.aio.storage.memory.time.time", lambda: clock[0])
    settings = make_settings("sqlite+aiosqlite:///unused.db", tmp_path, auth_failure_limit=3)
    throttle = LoginThrottle(MemoryStorage(), settings)
    waits: list[int] = []
    for _ in range(3):
        assert await throttle.retry_after("kid", "203.0.113.1") is None
        await throttle.failed("kid", "203.0.113.1")
    for _ in range(8):
        wait = await throttle.retry_after("kid", "203.0.113.1")
        assert wait is not None
        waits.append(wait)
        clock[0] += wait + 1  # wait it out, then fail once more
        assert await throttle.retry_after("kid", "203.0.113.1") is None
        await throttle.failed("kid", "203.0.113.1")
    assert waits[:3] == [BACKOFF_BASE_S, 2 * BACKOFF_BASE_S, 4 * BACKOFF_BASE_S]
    assert max(waits) == BACKOFF_CAP_S
    assert await throttle.retry_after("kid", "192.0.2.1") is None  # elsewhere: no wait
