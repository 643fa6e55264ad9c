"""Classes end to end in Chromium against the real `coderunner serve`: a teacher makes a class
and its accounts, prints the cards, a child logs in with a card and solves a puzzle, and the
teacher's grid turns green without a reload; another teacher cannot open the class."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from .browser import (
    create_class,
    log_in_in_browser,
    make_card_accounts,
    new_page,
    open_challenge,
    page_data,
    set_code,
    watch_of,
)
from .conftest import Server, make_teacher, unique_name
from .test_browser import UNNAMED_CONTROLS, reference, submit_and_wait

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def test_a_class_from_cards_to_a_live_green_cell(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    teacher = new_page(browser, server)
    log_in_in_browser(teacher, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    expect(teacher).to_have_url(re.compile(r"/teach/classes$"))  # a teacher's home

    class_url = create_class(teacher, "Class 4B")
    code = teacher.locator("#join-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{4}", code)

    # accounts from first names; the answer is the printable cards, passwords shown once
    username, password = make_card_accounts(teacher, ["Mia", "Leo"])
    cards = teacher.locator(".login-card")
    assert re.fullmatch(r"mia\d{3}", username)
    assert teacher.evaluate(UNNAMED_CONTROLS) == []
    teacher.emulate_media(media="print")
    expect(teacher.locator(".site-header")).to_be_hidden()
    expect(cards.first).to_be_visible()
    teacher.emulate_media(media="screen")

    # a challenge with the first puzzle of level 1, open now
    challenge_problem = open_challenge(teacher, class_url, "Friday puzzle hunt")

    # the dashboard, open before the child does anything
    teacher.goto(class_url)
    row = teacher.locator(f"tr[data-learner]:has(th:has-text('{username}'))")
    expect(row).to_have_count(1)
    expect(row.locator("a.cell-solved")).to_have_count(0)
    # the live stream is connected: its first grid arrived
    expect(teacher.locator("html")).to_have_attribute("data-grid-updates", re.compile(r"^[1-9]"))
    assert teacher.evaluate(UNNAMED_CONTROLS) == []

    # the child logs in with the card and solves the first puzzle of level 1
    child = new_page(browser, server)
    log_in_in_browser(child, username, password)
    expect(child).to_have_url(re.compile(r"/home$"))
    expect(child.locator("#my-classes")).to_contain_text("Class 4B")
    challenge = child.locator("#open-challenges")
    expect(challenge).to_contain_text("Friday puzzle hunt")
    expect(child.locator("h2#teacher-title")).to_have_text("From your teacher")
    challenge.locator("a").first.click()
    expect(child.locator(".cm-content")).to_be_visible()
    problem_id = page_data(child)["problemId"]
    assert problem_id == challenge_problem
    set_code(child, reference(admin_api, problem_id)["referenceSolution"])
    submit_and_wait(child)
    expect(child.locator(".result.fail")).to_have_count(0)
    child.goto("/home")
    expect(child.locator("#open-challenges .solved-mark")).to_have_count(1)

    # the teacher's grid turns green without a reload
    solved = row.locator(f"a.cell-solved[data-problem='{problem_id}']")
    expect(solved).to_be_visible(timeout=60_000)
    assert teacher.url == class_url
    solved.click()
    expect(teacher.locator(".code-view").first).to_contain_text("print")
    expect(teacher.locator("h1")).to_contain_text(username)

    # a self-made account joins with the code typed the way a child might
    joiner = new_page(browser, server)
    with httpx.Client(base_url=server.api_url, timeout=30) as api:
        name = unique_name("kid")
        made = api.post(
            "/auth/register", json={"username": name, "password": PASSWORD, "ageGroup": "7-9"}
        )
        assert made.status_code == 201, made.text
    log_in_in_browser(joiner, name, PASSWORD)
    joiner.fill("#join-code-input", code.lower().replace("-", " "))
    joiner.click("button:has-text('Join class')")
    expect(joiner.locator(".alert.success")).to_contain_text("You joined")
    expect(joiner.locator("#my-classes")).to_contain_text("Class 4B")
    teacher.goto(class_url)
    expect(teacher.locator(f"tr[data-learner] th:has-text('{name}')")).to_be_visible()

    # another teacher cannot open the class
    other = new_page(browser, server)
    log_in_in_browser(other, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    response = other.goto(class_url)
    assert response is not None
    assert response.status == 404
    assert code not in other.content()

    for page in (teacher, child, joiner, other):
        assert watch_of(page).csp_violations() == []
        page.context.close()
