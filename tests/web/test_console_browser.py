"""The problem page's Run in Chromium: "Run with the example", the console, a bounded flood."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .browser import new_page, sign_up_in_browser
from .conftest import Server, unique_name

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def test_run_with_the_example_fills_the_input_and_runs(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("example"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1?problem=echo-echo")
    expect(page.locator("#example-button")).to_be_enabled(timeout=60_000)
    expect(page.locator("#stdin")).to_have_value("")
    page.click("#example-button")
    expect(page.locator("#stdin")).to_have_value("hello\n")
    # the starter code reads the word and prints it once: no EOFError for lack of input
    expect(page.locator("#output")).to_have_text("hello\n", timeout=60_000)
    page.context.close()
