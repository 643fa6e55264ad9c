"""The problem page's Run in Chromium: "Run with the example", the console, a bounded flood."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from .browser import new_page, set_code, sign_up_in_browser
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


TWO_QUESTIONS = (
    'name = input("Name? ")\nprint("Hi", name)\nage = input("Age? ")\nprint(int(age) + 1)\n'
)


def test_a_child_answers_two_questions_in_the_console(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("console"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1?problem=echo-echo")
    set_code(page, TWO_QUESTIONS)
    expect(page.locator("#stdin")).to_have_value("")
    page.click("#run-button")
    answer = page.locator("#console-input")
    output = page.locator("#output")
    # the prompt is shown as the program asks, before anything is typed
    expect(output).to_have_text("Name? ", timeout=60_000)
    expect(page.locator("#console-note")).to_contain_text("seconds for each answer")
    expect(answer).to_be_focused()
    answer.fill("Ann")
    answer.press("Enter")
    expect(output).to_have_text("Name? Ann\nHi Ann\nAge? ", timeout=30_000)
    answer.fill("9")
    answer.press("Enter")
    expect(output).to_have_text("Name? Ann\nHi Ann\nAge? 9\n10\n", timeout=30_000)
    expect(page.locator("#status")).to_contain_text("Done!", timeout=30_000)
    expect(page.locator("#console-form")).to_be_hidden()
    # the typed answers are marked as the child's
    expect(output.locator(".console-answer")).to_have_count(2)

    # Stop ends a program that waits forever
    set_code(page, "import time\nprint('waiting', flush=True)\nwhile True:\n    time.sleep(1)\n")
    page.click("#run-button")
    expect(output).to_have_text("waiting\n", timeout=60_000)
    page.click("#console-stop")
    expect(page.locator("#status")).to_contain_text("Stopped", timeout=30_000)
    expect(page.locator("#explanation")).to_contain_text("You stopped your program")
    page.context.close()


def test_a_flood_stays_bounded_on_the_page(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("flood"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1?problem=echo-echo")
    set_code(page, "n = 0\nwhile True:\n    n += 1\n    print('line', n)\n")
    page.click("#run-button")
    expect(page.locator("#status")).to_contain_text("Printed too much", timeout=60_000)
    # the output-limit explanation, and only the first and last lines with a count between
    expect(page.locator("#explanation")).to_be_visible()
    more = page.locator("#output .more-lines")
    expect(more).to_have_count(1)
    expect(more).to_contain_text("more lines")
    text = page.locator("#output").inner_text()
    assert text.startswith("line 1\nline 2\n")
    assert len(text.splitlines()) <= 100 + 200 + 1
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 5000, height

    # the same flood with input in the box (a plain Run) is bounded too
    page.fill("#stdin", "x")
    page.click("#run-button")
    expect(page.locator("#status")).to_contain_text("Printed too much", timeout=60_000)
    expect(page.locator("#output")).to_contain_text("more lines")
    assert len(page.locator("#output").inner_text().splitlines()) <= 100 + 100 + 1

    # a submission that floods: its test shows a bounded output too
    page.fill("#stdin", "")
    set_code(page, "word = input()\nprint(word)\nfor i in range(5000):\n    print(i)\n")
    page.click("#submit-button")
    failing = page.locator(".result.fail").first
    expect(failing).to_be_visible(timeout=60_000)
    # (the diff shows spaces as "·")
    expect(failing).to_contain_text(re.compile(r"\d+.more.lines"))
    assert page.evaluate("document.documentElement.scrollHeight") < 8000
    page.context.close()
