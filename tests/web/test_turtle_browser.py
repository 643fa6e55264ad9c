"""A turtle square in Chromium: Run draws it on the canvas, Submit grades it on the picture."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import log_in_in_browser, new_page, set_code, watch_of
from .conftest import Server, make_teacher

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
SQUARE = (
    "import turtle\nsize = int(input())\n"
    "for i in range(4):\n    turtle.forward(size)\n    turtle.left(90)\n"
)


def inked_pixels(page: Page) -> int:
    """How many pixels of the drawing's canvas are not white (what the turtle drew)."""
    count: int = page.evaluate(
        """() => {
          const c = document.getElementById("drawing-canvas");
          const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200) n += 1;
          return n;
        }"""
    )
    return count


def open_square(page: Page) -> None:
    page.goto("/levels/7-9/4?problem=turtle-square")
    expect(page.locator("#run-button")).to_be_enabled(timeout=60_000)
    set_code(page, SQUARE)
    page.fill("#stdin", "100")


def test_a_turtle_square_is_drawn_on_the_page_and_submit_passes(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    name = make_teacher(server, admin_api, PASSWORD)  # opens level 4 without solving 1-3
    page = new_page(browser, server)  # asks for reduced motion: the drawing appears at once
    log_in_in_browser(page, name, PASSWORD)
    open_square(page)
    expect(page.locator("#drawing-panel")).to_be_hidden()
    # the examples show the input only: a turtle problem's output is its drawing
    expect(page.locator(".example").first).not_to_contain_text("Expected output")
    page.click("#run-button")
    canvas = page.locator("#drawing-canvas")
    expect(canvas).to_have_attribute("data-done", "1", timeout=60_000)
    expect(canvas).to_have_attribute("data-total", "4")
    expect(canvas).to_have_attribute("aria-label", "Your turtle's drawing: 4 lines.")
    assert inked_pixels(page) > 400  # four sides of ~200 pixels, and the turtle

    page.click("#submit-button")
    expect(page.locator("#results-summary")).to_have_text("6 of 6 tests passed", timeout=90_000)
    expect(page.locator("#drawing-panel")).to_be_visible()
    expect(canvas).to_have_attribute("data-done", "1")

    # a square with a side missing fails, and the page says which line is missing
    set_code(page, SQUARE.replace("range(4)", "range(3)"))
    page.click("#submit-button")
    expect(page.locator("#results-summary")).to_have_text("0 of 6 tests passed", timeout=90_000)
    expect(page.locator("#results-list")).to_contain_text(
        "Your drawing is missing a line from (0, 0) to (0, 100)."
    )
    expect(canvas).to_have_attribute("data-total", "3")
    assert not watch_of(page).errors, watch_of(page).errors
    page.context.close()


def test_the_drawing_is_animated_at_the_chosen_speed(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    name = make_teacher(server, admin_api, PASSWORD)
    context = browser.new_context(base_url=server.web_url, reduced_motion="no-preference")
    page = context.new_page()
    log_in_in_browser(page, name, PASSWORD)
    open_square(page)
    # the panel (and its slider) shows once something was drawn: set the slowest speed before
    # it does (4 steps a second: the square takes about a second)
    page.eval_on_selector("#drawing-speed", "el => { el.value = '1'; }")
    page.click("#run-button")
    canvas = page.locator("#drawing-canvas")
    expect(canvas).to_have_attribute("data-done", "1", timeout=60_000)
    expect(canvas).to_have_attribute("data-total", "4")
    # one line a frame at most at this speed: four frames drew, however busy the computer
    expect(canvas).to_have_attribute("data-frames", "4")
    page.fill("#drawing-speed", "10")  # all at once
    page.click("#drawing-again")
    expect(canvas).to_have_attribute("data-done", "1", timeout=30_000)
    expect(canvas).to_have_attribute("data-frames", "1")
    assert inked_pixels(page) > 400
    context.close()
