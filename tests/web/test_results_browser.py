"""Results designed for children, in headless Chromium against the real `coderunner serve`: a
syntax error is said once before any test, a variable name printed in quotes is explained, the
first failing test is open and the later ones are folded, and a hidden test shows its author's
hint."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import new_page, page_data, set_code, sign_up_in_browser
from .conftest import Server, unique_name

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
HINT = "a word with a capital letter"


def submit_and_wait(page: Page) -> None:
    page.click("#submit-button")
    expect(page.locator("#results")).to_be_visible(timeout=90_000)
    expect(page.locator("#submit-button")).to_be_enabled(timeout=90_000)


def test_results_a_child_can_act_on(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    problem_id = unique_name("echo").replace("_", "-").lower()
    created = admin_api.post(
        "/problems",
        json={
            "id": problem_id,
            "title": "Say the word back",
            "ageGroup": "7-9",
            "levelNumber": 1,
            "order": 96,
            "statement": "Read a word and print it.",
            "starterCode": "word = input()\n",
            "language": "python",
            "referenceSolution": "word = input()\nprint(word)",
            "tests": [
                {"name": "hello", "input": "hello\n", "expectedOutput": "hello\n"},
                {"name": "cat", "input": "cat\n", "expectedOutput": "cat\n"},
                {"input": "Zebra\n", "expectedOutput": "Zebra\n", "hidden": True, "hint": HINT},
            ],
        },
    )
    assert created.status_code == 201, created.text

    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("echoer"), PASSWORD, "7-9")
    page.goto(f"/levels/7-9/1?problem={problem_id}")
    expect(page.locator(".cm-content")).to_be_visible()

    # a syntax error: said once, before any test, with no test listed as failed
    set_code(page, "word = input(\nprint(word)\n")
    submit_and_wait(page)
    box = page.locator("#results .compile-error")
    expect(box).to_have_count(1)
    expect(box).to_contain_text("could not start")
    expect(box.locator(".explanation")).to_be_visible()
    expect(page.locator("#results-list > li")).to_have_count(0)
    expect(page.locator("#results pre.stderr")).to_have_count(1)
    expect(page.locator("#results-summary")).to_contain_text("0 of 3 tests could run")
    expect(page.locator("#status")).to_contain_text("could not start yet")

    # the variable name in quotes: explained on the first failing test, which is open
    set_code(page, 'word = input()\nprint("word")\n')
    submit_and_wait(page)
    expect(page.locator("#results .compile-error")).to_have_count(0)
    failing = page.locator("#results-list > li.result.fail")
    expect(failing).to_have_count(3)
    first = failing.nth(0).locator("details")
    expect(first).to_have_attribute("open", "")
    explanation = first.locator(".explanation")
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("You printed the word word in quotes")
    expect(explanation).to_contain_text("Take away the quotes")
    # the marks of the diff are explained next to it
    expect(first.locator(".diff-legend")).to_contain_text("is a space")
    expect(first.locator(".diff-legend")).to_contain_text("end of a line")

    # the later failing tests are folded: their details stay hidden until opened
    second = failing.nth(1).locator("details")
    expect(second).not_to_have_attribute("open", "")
    expect(second.locator(".diff")).to_be_hidden()
    second.locator("summary").click()
    expect(second.locator(".diff")).to_be_visible()

    # a hidden test shows its author's hint, not the same advice for every puzzle
    hidden = failing.nth(2)
    expect(hidden).to_contain_text("Hidden test")
    hidden.locator("summary").click()
    expect(hidden).to_contain_text(f"What it checks: {HINT}")
    expect(hidden).not_to_contain_text("unusual inputs")

    # printing too much is said as it is, not with the character's words for a crash
    set_code(page, 'while True:\n    print("x" * 100)\n')
    page.fill("#stdin", "hello")
    page.click("#run-button")
    status = page.locator("#status")
    expect(status).to_contain_text("Printed too much", timeout=90_000)
    crash_words = page_data(page)["voice"]["error"]
    assert crash_words
    assert crash_words not in status.inner_text()
    expect(page.locator("#explanation")).to_contain_text("printed too much")

    # no raw codes under the friendly words
    expect(page.locator("main")).not_to_contain_text("Code: ")
    page.context.close()
