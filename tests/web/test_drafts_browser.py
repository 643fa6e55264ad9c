"""Drafts on the server, in Chromium against the real `coderunner serve`: code typed on one
computer opens on another; a save on top of older code asks which code to keep (across devices,
and between two tabs at once); logging out forgets the code kept in the browser; a session that
ended in another tab is said kindly, the code stays and syncs after logging in again."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from .browser import log_in_in_browser, new_page, page_data, set_code, sign_up_in_browser
from .conftest import Server, make_teacher, unique_name

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
WAIT_MS = 60_000  # a loaded machine: saves and pages may take a while
CODE_KEYS = "Object.keys(localStorage).filter((k) => k.startsWith('coderunner:code:'))"
STORED = "JSON.stringify(Object.values(localStorage))"


def open_problem(page: Page, problem_id: str | None = None) -> str:
    page.goto(f"/levels/7-9/1?problem={problem_id}" if problem_id else "/levels/7-9/1")
    expect(page.locator(".cm-content")).to_be_visible(timeout=WAIT_MS)
    pid: str = page_data(page)["problemId"]
    return pid


def saved(page: Page) -> None:
    expect(page.locator("#draft-state")).to_have_text("Saved", timeout=WAIT_MS)


def tab_of(page: Page) -> Page:
    """Another tab of the same browser (same cookies, storage and BroadcastChannel)."""
    tab = page.context.new_page()
    tab.set_default_timeout(30_000)
    return tab


def test_code_typed_on_one_computer_opens_on_another(browser: Browser, server: Server) -> None:
    name = unique_name("device")
    school = new_page(browser, server)
    sign_up_in_browser(school, name, PASSWORD, "7-9")
    pid = open_problem(school)
    set_code(school, "print('typed at school')")
    saved(school)

    home = new_page(browser, server)  # another browser: nothing of it in its storage
    log_in_in_browser(home, name, PASSWORD)
    open_problem(home, pid)
    expect(home.locator(".cm-content")).to_contain_text("print('typed at school')")
    school.context.close()
    home.context.close()


def test_a_save_on_top_of_older_code_asks_which_to_keep(browser: Browser, server: Server) -> None:
    name = unique_name("twice")
    one = new_page(browser, server)
    sign_up_in_browser(one, name, PASSWORD, "7-9")
    pid = open_problem(one)
    two = new_page(browser, server)
    log_in_in_browser(two, name, PASSWORD)
    open_problem(two, pid)

    set_code(one, "print('one')")
    saved(one)
    # the other computer still shows the older code: its save is not allowed to overwrite
    set_code(two, "print('two')")
    conflict = two.locator("#draft-conflict")
    expect(conflict).to_be_visible(timeout=WAIT_MS)
    expect(conflict).to_contain_text("changed in another window")
    expect(two.locator(".cm-content")).to_contain_text("print('two')")  # nothing replaced yet
    two.click("#draft-other")
    expect(two.locator(".cm-content")).to_contain_text("print('one')")
    expect(conflict).to_be_hidden()

    set_code(two, "print('two again')")
    saved(two)
    set_code(one, "print('one again')")  # now the first computer is behind
    expect(one.locator("#draft-conflict")).to_be_visible(timeout=WAIT_MS)
    one.click("#draft-keep")
    saved(one)
    two.reload()
    expect(two.locator(".cm-content")).to_contain_text("print('one again')", timeout=WAIT_MS)
    one.context.close()
    two.context.close()


def test_two_tabs_follow_each_other_and_warn_before_overwriting(
    browser: Browser, server: Server
) -> None:
    first = new_page(browser, server)
    sign_up_in_browser(first, unique_name("tabs"), PASSWORD, "7-9")
    pid = open_problem(first)
    second = tab_of(first)
    open_problem(second, pid)

    set_code(first, "print('from the first tab')")
    saved(first)
    # nothing unsaved in the second tab: it follows at once
    expect(second.locator(".cm-content")).to_contain_text("from the first tab", timeout=WAIT_MS)

    # the second tab's save cannot get through while the first tab saves newer code
    def refuse_saves(route: Route) -> None:
        if route.request.method == "PUT":
            route.abort()
        else:
            route.continue_()

    second.route("**/api/drafts/**", refuse_saves)
    set_code(second, "print('from the second tab')")
    expect(second.locator("#draft-state")).to_contain_text("on this computer", timeout=WAIT_MS)
    set_code(first, "print('the first tab again')")
    saved(first)
    expect(second.locator("#draft-conflict")).to_be_visible(timeout=WAIT_MS)
    expect(second.locator(".cm-content")).to_contain_text("from the second tab")
    second.unroute("**/api/drafts/**")
    second.click("#draft-keep")
    saved(second)
    expect(first.locator(".cm-content")).to_contain_text("from the second tab", timeout=WAIT_MS)
    first.context.close()


def test_logging_out_forgets_the_code_kept_in_the_browser(browser: Browser, server: Server) -> None:
    name = unique_name("shared")
    page = new_page(browser, server)
    sign_up_in_browser(page, name, PASSWORD, "7-9")
    pid = open_problem(page)
    set_code(page, "print('my secret homework')")
    assert page.evaluate(CODE_KEYS), "the code is kept in the browser while logged in"
    # log out at once, before the usual save: the page sends the code first
    page.click("button:has-text('Log out')")
    expect(page).to_have_url(re.compile(r"/$"), timeout=WAIT_MS)
    assert page.evaluate(CODE_KEYS) == []
    assert "secret homework" not in page.evaluate(STORED)

    log_in_in_browser(page, name, PASSWORD)
    open_problem(page, pid)
    expect(page.locator(".cm-content")).to_contain_text("print('my secret homework')")
    page.context.close()


def test_a_session_ended_in_another_tab_is_said_kindly_and_the_code_kept(
    browser: Browser, server: Server
) -> None:
    name = unique_name("ended")
    tab_a = new_page(browser, server)
    sign_up_in_browser(tab_a, name, PASSWORD, "7-9")
    pid = open_problem(tab_a)
    tab_b = tab_of(tab_a)
    open_problem(tab_b, pid)
    problem_url = tab_b.url
    set_code(tab_b, "print('still mine')")
    saved(tab_b)

    tab_a.click("button:has-text('Log out')")
    expect(tab_a).to_have_url(re.compile(r"/$"), timeout=WAIT_MS)
    set_code(tab_b, "print('still mine, and more')")
    tab_b.click("#run-button")
    expect(tab_b.locator("#status")).to_contain_text("logged out", timeout=WAIT_MS)
    ended = tab_b.locator("#draft-ended")
    expect(ended).to_be_visible()
    # no jump to the login page: the code is on screen and kept in this browser
    assert tab_b.url == problem_url
    expect(tab_b.locator(".cm-content")).to_contain_text("print('still mine, and more')")
    assert "still mine, and more" in tab_b.evaluate(STORED)
    # every part of the page says it in the same words (not the API's "authentication required")
    tab_b.click("#step-button")
    expect(tab_b.locator("#step-status")).to_have_text(
        "You were logged out. Please log in again.", timeout=WAIT_MS
    )

    tab_b.click("#draft-login")
    expect(tab_b).to_have_url(re.compile(r"/login"), timeout=WAIT_MS)
    tab_b.fill("#username", name)
    tab_b.fill("#password", PASSWORD)
    tab_b.click("form button:has-text('Log in')")
    expect(tab_b).to_have_url(re.compile(re.escape(f"problem={pid}")), timeout=WAIT_MS)
    expect(tab_b.locator(".cm-content")).to_contain_text("print('still mine, and more')")
    saved(tab_b)  # back on the server

    elsewhere = new_page(browser, server)
    log_in_in_browser(elsewhere, name, PASSWORD)
    open_problem(elsewhere, pid)
    expect(elsewhere.locator(".cm-content")).to_contain_text("print('still mine, and more')")
    tab_a.context.close()
    elsewhere.context.close()


def test_a_password_reset_elsewhere_stops_saving_kindly_until_the_child_is_back(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    """No other tab to tell this one: the next save is answered 401 (TOKEN_REVOKED)."""
    teacher = make_teacher(server, admin_api, PASSWORD)
    with httpx.Client(base_url=server.api_url, timeout=60) as api:
        login = api.post("/auth/login", json={"username": teacher, "password": PASSWORD})
        assert login.status_code == 200, login.text
        api.headers["authorization"] = f"Bearer {login.json()['token']}"
        made = api.post("/classes", json={"name": "Drafts", "ageGroup": "7-9"})
        assert made.status_code == 201, made.text
        class_id = made.json()["id"]
        accounts = api.post(f"/classes/{class_id}/learners", json={"names": ["Mia"]})
        assert accounts.status_code == 201, accounts.text
        child = accounts.json()["accounts"][0]

        page = new_page(browser, server)
        log_in_in_browser(page, child["username"], child["password"])
        pid = open_problem(page)
        problem_url = page.url
        set_code(page, "print('before the reset')")
        saved(page)
        reset = api.post(f"/classes/{class_id}/learners/{child['id']}/password")
        assert reset.status_code == 200, reset.text
        new_password = reset.json()["password"]

    set_code(page, "print('after the reset')")
    expect(page.locator("#draft-ended")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#draft-state")).to_contain_text("until you log in again")
    assert page.url == problem_url
    assert "after the reset" in page.evaluate(STORED)

    page.click("#draft-login")
    expect(page).to_have_url(re.compile(r"/login"), timeout=WAIT_MS)
    page.fill("#username", child["username"])
    page.fill("#password", new_password)
    page.click("form button:has-text('Log in')")
    expect(page).to_have_url(problem_url, timeout=WAIT_MS)  # back where the child was
    assert page_data(page)["problemId"] == pid
    expect(page.locator(".cm-content")).to_contain_text("print('after the reset')")
    saved(page)
    page.context.close()
