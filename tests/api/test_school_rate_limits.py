"""Rate limits that fit a school: per user when signed in, per address when not, and a web
page's own calls to the API counted once.

The web server reaches the API from a trusted address (loopback here) and forwards the child's
address; the school is 203.0.113.7 for every child.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.support.app import create_account

SCHOOL = "203.0.113.7"
PAGE_CALLS = ("/auth/me", "/levels/7-9", "/progress", "/learning/streak", "/learning/badges")
LIMITS = {"rate_limit_max_requests": 100, "rate_limit_window_ms": 60_000}


@pytest.fixture
async def web_server(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The web process's client of the API: from loopback, a trusted proxy."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def school(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser at the school calling the API itself (the /api proxy, or directly)."""
    transport = httpx.ASGITransport(app=app, client=(SCHOOL, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _open_page(web: httpx.AsyncClient, token: str) -> list[int]:
    """What the web server does for one page: several API calls with one page id."""
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Forwarded-For": SCHOOL,
        "X-Coderunner-Page": secrets.token_hex(12),
    }
    return [(await web.get(path, headers=headers)).status_code for path in PAGE_CALLS]


@pytest.mark.parametrize("settings_overrides", [{**LIMITS, "trusted_proxies": ["127.0.0.1"]}])
async def test_a_class_behind_one_address_is_never_refused(
    app: FastAPI, web_server: httpx.AsyncClient
) -> None:
    kids = [await create_account(app, f"pupil{n}", age_group="7-9") for n in range(30)]
    refused = 0
    for _ in range(8):  # each child opens 8 pages in the minute, 5 API calls a page
        for kid in kids:
            refused += sum(code == 429 for code in await _open_page(web_server, kid.token))
    assert refused == 0  # 1200 API calls from one address, 240 pages


@pytest.mark.parametrize("settings_overrides", [{**LIMITS, "trusted_proxies": ["127.0.0.1"]}])
async def test_one_child_opening_many_pages_fast_is_fine(
    app: FastAPI, web_server: httpx.AsyncClient
) -> None:
    kid = await create_account(app, "quick_clicker", age_group="7-9")
    codes = [code for _ in range(40) for code in await _open_page(web_server, kid.token)]
    assert 429 not in codes  # 40 pages, 200 calls: 40 against the budget


@pytest.mark.parametrize(
    "settings_overrides",
    [{"rate_limit_max_requests": 10, "trusted_proxies": ["127.0.0.1"]}],
)
async def test_budgets_are_per_user_and_anonymous_per_address(
    app: FastAPI, school: httpx.AsyncClient, web_server: httpx.AsyncClient
) -> None:
    greedy = await create_account(app, "greedy")
    other = await create_account(app, "patient")
    codes = [(await school.get("/auth/me", headers=greedy.headers)).status_code for _ in range(12)]
    assert codes == [200] * 10 + [429] * 2
    # the child next to them, same address, has a budget of their own
    assert (await school.get("/auth/me", headers=other.headers)).status_code == 200
    # anonymous calls share the address's budget
    anonymous = [(await school.get("/levels")).status_code for _ in range(11)]
    assert anonymous == [200] * 10 + [429]
    # a page id from a browser (not the trusted web server) earns nothing: every call counts
    page = {"X-Coderunner-Page": "same-page-forever"}
    forged = [(await school.get("/levels", headers=page)).status_code for _ in range(2)]
    assert forged == [429, 429]
    # a forged token is no way around it: it counts for the address
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await school.get("/levels", headers=bad)).status_code == 429


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_max_requests": 1}])
async def test_the_429_says_kindly_when_to_try_again(
    app: FastAPI, school: httpx.AsyncClient
) -> None:
    await school.get("/levels")
    refused = await school.get("/levels")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert wait >= 1
    assert f"try again in {wait} seconds" in refused.json()["error"]["message"]
