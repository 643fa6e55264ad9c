"""A learner walks a lesson end to end in headless Chromium against the real `coderunner serve`:
the level map opens the lesson first, predictions are checked by the server, the Parsons puzzle
is solved with the keyboard (7-9) and by dragging with indentation (10-12), all under the CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import new_page, set_code, sign_up_in_browser, watch_of
from .conftest import Server, unique_name

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def line(page: Page, line_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f"#parsons-list .parsons-line[data-id='{line_id}']")


def order(page: Page) -> list[int]:
    ids = page.locator("#parsons-list .parsons-line").evaluate_all(
        "lines => lines.map(l => Number(l.dataset.id))"
    )
    return [int(i) for i in ids]


def test_a_learner_walks_a_lesson(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("lesson"), PASSWORD, "7-9")

    # the level map sends a new learner to the lesson first
    page.goto("/levels/7-9")
    first = page.locator(".level-map .level-card").first
    expect(first).to_contain_text("Start with the lesson (0 of 4 steps)")
    first.click()
    expect(page).to_have_url(f"{server.web_url}/levels/7-9/1/lesson")
    expect(page.locator("h1")).to_have_text("Lesson 1: Make the computer talk")
    expect(page.locator("main")).to_contain_text("Goodbye")  # the worked example's output

    # question 1 (choice): a wrong guess shows what the code really prints, then the right one
    q1 = page.locator("form.predict[data-question='0']")
    q1.locator("label.choice", has_text="cat dog").click()
    q1.locator("button[type=submit]").click()
    expect(q1.locator(".predict-result")).to_contain_text("Not quite")
    expect(q1.locator(".predict-result pre")).to_have_text("catdog\n")
    q1.locator("input[value='catdog']").check()
    q1.locator("button[type=submit]").click()
    expect(q1.locator(".predict-result")).to_contain_text("Right!")
    expect(page.locator("#lesson-progress")).to_have_text("1 of 4 steps done")

    # question 2: type the output
    q2 = page.locator("form.predict[data-question='1']")
    q2.locator("textarea").fill("Hi\nHi!")
    q2.locator("button[type=submit]").click()
    expect(q2.locator(".predict-result")).to_contain_text("Right!")
    q3 = page.locator("form.predict[data-question='2']")
    q3.locator("input[value='Hello Mia']").check()
    q3.locator("button[type=submit]").click()
    expect(page.locator("#lesson-progress")).to_have_text("3 of 4 steps done")

    # the Parsons puzzle: the shown order fails, the keyboard fixes it
    assert order(page) == [1, 0, 2]
    page.click("#parsons-check")
    expect(page.locator("#parsons-result")).to_contain_text("Not yet", timeout=60_000)
    line(page, 0).focus()
    page.keyboard.press("Alt+ArrowUp")
    assert order(page) == [0, 1, 2]
    expect(page.locator("#parsons-moves")).to_have_text("name = input(): line 1 of 3")
    line(page, 0).locator("button[data-action='down']").press("Enter")
    assert order(page) == [1, 0, 2]
    line(page, 0).locator("button[data-action='up']").press("Enter")
    assert order(page) == [0, 1, 2]
    page.click("#parsons-check")
    expect(page.locator("#parsons-result")).to_contain_text("It works!", timeout=60_000)
    expect(page.locator("#lesson-progress")).to_contain_text("Lesson done!")

    # the tasks link to the level's problems; the map now opens the puzzles, lesson ticked
    expect(page.locator(".task-list li").first).to_contain_text("Modify")
    page.goto("/levels/7-9")
    expect(page.locator(".level-map .level-card").first).to_have_attribute("href", "/levels/7-9/1")
    expect(page.locator(".level-practice").first).to_contain_text("Lesson ✓")

    # 10-12 sets the indentation too: drag the lines into order, then indent with buttons
    page.goto("/levels/10-12/1/lesson")
    expect(page.locator("h1")).to_have_text("Lesson 1: Calculating with Python")
    assert order(page) == [2, 0, 1, 3]
    line(page, 0).drag_to(line(page, 2), target_position={"x": 10, "y": 2})
    assert order(page) == [0, 2, 1, 3], order(page)
    line(page, 1).drag_to(line(page, 2), target_position={"x": 10, "y": 2})
    assert order(page) == [0, 1, 2, 3], order(page)
    line(page, 3).locator("button[data-action='indent']").click()
    expect(line(page, 3)).to_have_class("parsons-line indent-1")
    page.click("#parsons-check")
    expect(page.locator("#parsons-result")).to_contain_text("Not yet", timeout=60_000)
    line(page, 3).locator("button[data-action='outdent']").click()
    page.click("#parsons-check")
    expect(page.locator("#parsons-result")).to_contain_text("It works!", timeout=60_000)

    # after a first solve the problem page offers the model solution, never before
    page.goto("/levels/7-9/1?problem=say-it-back")
    expect(page.locator("#model-solution")).to_have_count(0)
    expect(page.locator("#solution-link")).to_be_hidden()
    set_code(page, "word = input()\nprint(word)\n")
    page.click("#submit-button")
    expect(page.locator("#solution-link")).to_be_visible(timeout=60_000)
    page.click("#solution-link a")
    expect(page.locator("#model-solution")).to_contain_text("Our solution")
    expect(page.locator("#model-solution pre")).to_contain_text("print(word)")

    watch = watch_of(page)
    assert watch.csp_violations() == []
    assert [e for e in watch.errors if "pageerror" in e] == []
