"""A child who opens pages faster than the API allows, in Chromium against a real `coderunner
serve` with a small request budget: the refused page keeps the child signed in, in their own
colours, and says kindly when to try again (issue: a 429 page used to look logged out, in the
default theme)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.ports import free_port
from tests.support.serve import CODERUNNER, spawn, stop, wait_until_answers
from tests.support.uids import Purpose, sandbox_env

from .conftest import unique_name

pytestmark = pytest.mark.browser

BUDGET = 25  # requests per user (and per address when signed out) per minute
PASSWORD = "a long enough password"


@pytest.fixture
def small_budget_server(tmp_path: Path) -> Iterator[str]:
    api_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "CODERUNNER_DATA_DIR": str(tmp_path / "data"),
        "CODERUNNER_API_URL": f"http://127.0.0.1:{api_port}",
        "RATE_LIMIT_MAX_REQUESTS": str(BUDGET),
        "LOG_LEVEL": "warning",
        **sandbox_env(Purpose.OTHER_SERVER),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    argv = [CODERUNNER, "serve", "--api-port", str(api_port), "--web-port", str(web_port)]
    watched = spawn([*argv, "--data-dir", str(tmp_path / "data")], env, tmp_path / "serve.log")
    try:
        wait_until_answers(f"http://127.0.0.1:{api_port}/health", [watched])
        wait_until_answers(f"http://127.0.0.1:{web_port}/", [watched])
        yield f"http://127.0.0.1:{web_port}"
    finally:
        stop(watched[0])


def test_a_refused_page_keeps_the_child_signed_in_in_their_colours(
    browser: Browser, small_budget_server: str
) -> None:
    ctx = browser.new_context(base_url=small_budget_server)
    page = ctx.new_page()
    page.goto("/signup")
    page.fill("#username", unique_name("busy"))
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.check("input[name=character][value=nila]")  # not the default look
    page.check("input[name=ageGroup][value='7-9']")
    page.click("button:has-text('Create my account')")
    expect(page.locator("html")).to_have_class(re.compile(r"\btheme-nila\b"))

    # a page costs the child one request of the budget, however many API calls it makes
    statuses: list[int] = []
    retry_after = ""
    for _ in range(BUDGET * 3):
        response = page.goto("/profile")
        assert response is not None
        statuses.append(response.status)
        if response.status == 429:
            retry_after = response.headers["retry-after"]
            break
    assert statuses[-1] == 429, f"never refused in {len(statuses)} pages"
    assert len(statuses) > BUDGET // 2, statuses  # a page is not counted once per API call

    assert int(retry_after) >= 1
    expect(page.locator("html")).to_have_class(re.compile(r"\btheme-nila\b"))
    expect(page.get_by_text(re.compile(r"Try again in \d+ seconds?"))).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    assert "RATE_LIMITED" not in page.inner_text("body")  # the kind words, not the code
    ctx.close()
