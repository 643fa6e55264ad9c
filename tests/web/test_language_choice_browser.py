"""A problem that allows Python and JavaScript: the learner picks JavaScript above the editor,
the editor switches with its own starter code, the choice survives a reload, and Submit grades
the JavaScript; each language keeps its own draft."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from .browser import editor_text, new_page, page_data, set_code, sign_up_in_browser
from .conftest import Server, unique_name

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
JS_STARTER = "// read the word, print it backwards"
JS_SOLUTION = (
    'const w = require("fs").readFileSync(0, "utf8").trim();\n'
    'console.log(w.split("").reverse().join(""));'
)


def test_a_learner_switches_to_javascript_and_solves_it(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    problem_id = unique_name("either").replace("_", "-").lower()
    created = admin_api.post(
        "/problems",
        json={
            "id": problem_id,
            "title": "Backwards in either language",
            "ageGroup": "7-9",
            "levelNumber": 1,
            "order": 95,
            "statement": "Print the word backwards.",
            "starterCode": "word = input()",
            "language": "python",
            "otherLanguages": {"javascript": {"starterCode": JS_STARTER, "solution": JS_SOLUTION}},
            "referenceSolution": "print(input()[::-1])",
            "tests": [
                {"input": "abc\n", "expectedOutput": "cba\n", "hidden": False},
                {"input": "kayak\n", "expectedOutput": "kayak\n", "hidden": False},
                {"input": "ab\n", "expectedOutput": "ba\n", "hidden": True},
            ],
        },
    )
    assert created.status_code == 201, created.text

    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("bilingual"), PASSWORD, "7-9")
    page.goto(f"/levels/7-9/1?problem={problem_id}")
    expect(page.locator(".cm-content")).to_be_visible()
    assert page_data(page)["languages"] == ["python", "javascript"]
    assert editor_text(page).strip() == "word = input()"
    set_code(page, "print('my python draft')")

    page.select_option("#language-choice", "javascript")
    expect(page.locator(".cm-content")).to_contain_text(JS_STARTER)
    page.reload()  # the choice is remembered
    expect(page.locator("#language-choice")).to_have_value("javascript")
    expect(page.locator(".cm-content")).to_contain_text(JS_STARTER)

    set_code(page, JS_SOLUTION)
    page.click("#submit-button")
    expect(page.locator("#results")).to_be_visible(timeout=90_000)
    # solved: the status line celebrates (a failure says "N of M tests passed")
    expect(page.locator("#status.celebrate")).to_be_visible(timeout=90_000)
    expect(page.locator("#status")).not_to_contain_text("tests passed")

    # the Python draft is still there when the learner switches back
    page.select_option("#language-choice", "python")
    expect(page.locator(".cm-content")).to_contain_text("my python draft")
    page.context.close()
