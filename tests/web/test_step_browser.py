"""Step mode in Chromium: Step runs the tracer in the sandbox, and the page walks a loop."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .browser import new_page, set_code, sign_up_in_browser, watch_of
from .conftest import Server, unique_name

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
LOOP = "total = 0\nfor n in range(3):\n    total = total + n\nprint('total is', total)\n"


def test_step_walks_a_loop_and_shows_a_variable_change(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("stepper"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1?problem=echo-echo")
    expect(page.locator("#step-button")).to_be_enabled(timeout=60_000)
    set_code(page, LOOP)
    page.click("#step-button")
    viewer = page.locator("#step-viewer")
    expect(viewer).to_be_visible(timeout=60_000)
    count = page.locator("#step-count")
    current = page.locator("#step-code li.current")
    # step 1: the first line is next, nothing is set yet
    expect(count).to_have_text("Step 1 of 10")
    expect(current).to_have_attribute("aria-current", "step")
    expect(current.locator("code")).to_have_text("total = 0")
    expect(page.locator("#step-vars")).to_contain_text("No variables yet.")
    expect(page.locator("#step-live")).to_have_text("Step 1 of 10. Line 1: total = 0")
    expect(page.locator("#step-message")).to_have_text("Your program finished after 10 steps.")

    # → (keyboard): line 2 is next, and `total` appears, marked as changed
    page.keyboard.press("ArrowRight")
    expect(count).to_have_text("Step 2 of 10")
    expect(current.locator("code")).to_have_text("for n in range(3):")
    total_row = page.locator("#step-vars tr[data-name='total']")
    n_row = page.locator("#step-vars tr[data-name='n']")
    expect(total_row).to_have_class("changed")
    expect(total_row.locator("td code")).to_have_text("0")

    # Next into the loop's second pass: `n` is 1 (changed), `total` still 0 (unchanged)
    for _ in range(3):
        page.click("#step-next")
    expect(count).to_have_text("Step 5 of 10")
    expect(current.locator("code")).to_have_text("total = total + n")
    expect(n_row.locator("td code")).to_have_text("1")
    expect(n_row).to_have_class("changed")
    expect(total_row.locator("td code")).to_have_text("0")
    expect(total_row).not_to_have_class("changed")
    # that line ran: `total` changes from 0 to 1
    page.click("#step-next")
    expect(count).to_have_text("Step 6 of 10")
    expect(total_row.locator("td code")).to_have_text("1")
    expect(total_row).to_have_class("changed")
    expect(n_row).not_to_have_class("changed")

    # Previous goes back; the slider jumps to the end, where the output is printed
    page.click("#step-prev")
    expect(count).to_have_text("Step 5 of 10")
    expect(total_row.locator("td code")).to_have_text("0")
    expect(page.locator("#step-output")).to_have_text("")
    page.locator("#step-slider").fill("10")
    expect(count).to_have_text("Step 10 of 10")
    expect(page.locator("#step-output")).to_have_text("total is 3\n")
    expect(page.locator("#step-next")).to_be_disabled()
    assert watch_of(page).errors == []
    page.context.close()


def test_step_with_input_and_an_error_shows_where(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("stepper"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1?problem=echo-echo")
    expect(page.locator("#step-button")).to_be_enabled(timeout=60_000)
    set_code(page, "word = input()\nnumber = int(word)\n")
    page.fill("#stdin", "seven\n")
    page.click("#step-button")
    expect(page.locator("#step-viewer")).to_be_visible(timeout=60_000)
    page.locator("#step-slider").fill("3")
    expect(page.locator("#step-code li.current")).to_have_class("step-line current error")
    expect(page.locator("#step-vars")).to_contain_text("ValueError")
    expect(page.locator("#step-message")).to_contain_text("on line 2")
    expect(page.locator("#step-error")).to_be_visible()
    page.context.close()
