"""End to end in headless Chromium against the real `coderunner serve`.

A learner signs up, picks an age group, runs and submits code, sees a diff, solves a problem and
finds the XP on the dashboard; a teacher writes a problem (checked in the sandbox) that a learner
then solves; a statement with script in it stays inert; the main pages are photographed.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from .browser import (
    DESKTOP,
    PHONE,
    editor_text,
    fill_code,
    log_in_in_browser,
    new_page,
    page_data,
    screenshot,
    set_code,
    sign_up_in_browser,
    watch_of,
)
from .conftest import Server, make_teacher, unique_name

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def reference(admin_api: httpx.Client, problem_id: str) -> dict[str, Any]:
    """The problem as the admin sees it: reference solution and all tests."""
    response = admin_api.get(f"/problems/{problem_id}/full")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def submit_and_wait(page: Page) -> None:
    page.click("#submit-button")
    expect(page.locator("#results")).to_be_visible(timeout=60_000)
    expect(page.locator("#submit-button")).to_be_enabled(timeout=60_000)


def stat(page: Page, name: str) -> int:
    return int(page.locator(f"#stat-{name}").inner_text().strip())


def test_learner_journey(browser: Browser, server: Server, admin_api: httpx.Client) -> None:
    page = new_page(browser, server)
    username = unique_name("ada")

    # sign up with no age group; the dashboard asks for one
    page.goto("/")
    page.click("main >> text=Sign up free")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.check("input[name=character][value=nila]")
    page.click("button:has-text('Create my account')")
    expect(page).to_have_url(re.compile(r"/home$"))
    page.check("input[name=ageGroup][value='7-9']")
    page.click("button:has-text('Start learning')")
    expect(page).to_have_url(re.compile(r"/levels/7-9$"))
    expect(page.locator("html")).to_have_class(re.compile("theme-nila"))

    # level 1 is open, level 2 is locked at a glance
    expect(page.locator(".level-node.state-locked").first).to_be_visible()
    # a new learner's level opens with its lesson; the map also offers the puzzles at once
    expect(page.locator("a.level-card[href='/levels/7-9/1/lesson']")).to_be_visible()
    page.click(".level-practice a[href='/levels/7-9/1']")
    expect(page.locator(".cm-content")).to_be_visible()
    problem_id = page_data(page)["problemId"]
    full = reference(admin_api, problem_id)

    # run code that reads input
    set_code(page, 'name = input()\nprint("Hi " + name + "!")')
    page.fill("#stdin", "Ada")
    page.click("#run-button")
    expect(page.locator("#output")).to_have_text("Hi Ada!\n", timeout=60_000)

    # Ctrl+Enter runs too
    set_code(page, "print(input() * 2)")
    page.locator(".cm-content").press("Control+Enter")
    expect(page.locator("#output")).to_have_text("AdaAda\n", timeout=60_000)

    # a wrong answer: the first visible test fails and shows a diff
    set_code(page, 'print("nope")')
    submit_and_wait(page)
    expect(page.locator("#results-summary")).to_contain_text("0 of")
    failing = page.locator(".result.fail").first
    expect(failing).to_contain_text("Expected output")
    expect(failing.locator(".diff")).to_contain_text("nope")
    expect(failing.locator("mark.diff-bad").first).to_be_visible()
    visible = [t for t in full["tests"] if not t["hidden"]]
    first_line = visible[0]["expectedOutput"].splitlines()[0]
    expect(failing.locator(".diff pre").first).to_contain_text(first_line.replace(" ", "·"))
    expect(page.locator("#status")).to_contain_text("Not yet")

    # fix it: solved, with a celebration and the next puzzle offered
    set_code(page, full["referenceSolution"])
    submit_and_wait(page)
    # Nila's voice for ages 7-9 (content/characters.yaml)
    expect(page.locator("#status")).to_contain_text("like a perfect wave", timeout=30_000)
    expect(page.locator("#next-step")).to_be_visible()
    expect(page.locator(".result.fail")).to_have_count(0)
    expect(page.locator("#status")).to_contain_text(f"+{full['xp']} XP")

    # the dashboard counts it
    page.goto("/home")
    xp = stat(page, "xp")
    assert xp >= full["xp"] > 0
    assert stat(page, "solved") >= 1
    expect(page.locator(".level-row").first).to_contain_text("1/")

    # log out and in again: progress is kept
    page.click("button:has-text('Log out')")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/home")
    expect(page).to_have_url(re.compile(r"/login"))
    log_in_in_browser(page, username, PASSWORD)
    page.goto("/home")
    assert stat(page, "xp") == xp
    page.goto(f"/levels/7-9/1?problem={problem_id}")
    chooser_link = page.locator(f".problem-chooser a[href$='problem={problem_id}']")
    expect(chooser_link).to_contain_text("✓")

    assert not watch_of(page).csp_violations(), watch_of(page).errors
    assert not [e for e in watch_of(page).errors if e.startswith("pageerror")]
    page.context.close()


def test_a_locked_level_cannot_be_opened(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("locked"), PASSWORD, "7-9")
    response = page.goto("/levels/7-9/2")
    assert response is not None
    assert response.status == 403
    expect(page.locator("h1")).to_contain_text("still locked")
    expect(page.locator(".cm-content")).to_have_count(0)
    page.context.close()


def test_code_is_kept_per_problem_and_reset_restores_the_starter(
    browser: Browser, server: Server
) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("keep"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1")
    starter = page_data(page)["starterCode"]
    set_code(page, "print('kept between visits')")
    page.reload()
    expect(page.locator(".cm-content")).to_contain_text("print('kept between visits')")
    # only code is stored in the browser: never the session
    storage = page.evaluate("JSON.stringify(window.localStorage)")
    cookie = next(c for c in page.context.cookies() if c["name"] == "cr_session")
    assert cookie["value"] not in storage
    assert cookie["httpOnly"] is True
    assert "cr_session" not in page.evaluate("document.cookie")
    page.click("#reset-button")  # confirm() is accepted by the page fixture
    assert editor_text(page).strip() == starter.strip()
    page.context.close()


def test_hints_and_cheatsheet_drawer_work_from_the_keyboard(
    browser: Browser, server: Server
) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("keys"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1")
    hints = page_data(page)["hints"]
    # the page's controls are wired once the editor bundle is in (Run turns on then)
    expect(page.locator("#run-button")).to_be_enabled(timeout=60_000)
    if hints:
        page.focus("#hint-button")
        page.keyboard.press("Enter")
        shown = page.locator("#hint-list li:not([hidden])")
        expect(shown).to_have_count(1)
        first_word = hints[0].split()[0].strip("`*_")
        expect(shown.first).to_contain_text(first_word)
        expect(shown.first).to_be_visible()
        # the hint is recorded for the learner (hints used count toward badges)
        problem_id = page_data(page)["problemId"]
        used = page.evaluate(
            """async (pid) => {
                for (let i = 0; i < 50; i += 1) {
                    const body = await (await fetch("/api/progress")).json();
                    const row = body.problems.find((p) => p.problemId === pid);
                    if (row && row.hintsUsed > 0) return row.hintsUsed;
                    await new Promise((r) => setTimeout(r, 100));
                }
                return 0;
            }""",
            problem_id,
        )
        assert used == 1
    page.focus("#cheatsheet-button")
    page.keyboard.press("Enter")
    drawer = page.locator("#cheatsheet-drawer")
    expect(drawer).to_be_visible()
    expect(drawer.locator(".cheatsheet").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(page.locator("#cheatsheet-button")).to_be_focused()
    page.context.close()


def test_results_arrive_by_polling_when_the_event_stream_drops(
    browser: Browser, server: Server
) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("poll"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1")
    # the network drops every event stream; the page must fall back to polling the job
    page.route("**/api/execution/*/events", lambda route: route.abort("connectionreset"))
    set_code(page, "print(int(input()) + 1)")
    page.fill("#stdin", "41")
    page.click("#run-button")
    expect(page.locator("#output")).to_have_text("42\n", timeout=60_000)
    page.context.close()


def test_a_full_queue_is_explained_and_retried(browser: Browser, server: Server) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("busy"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1")
    refused: list[str] = []

    def queue_full_once(route: Any) -> None:
        if not refused:
            refused.append(route.request.url)
            route.fulfill(
                status=503,
                headers={"Retry-After": "2", "Content-Type": "application/json"},
                body='{"error": {"code": "QUEUE_FULL", "message": "busy"}}',
            )
        else:
            route.continue_()

    page.route("**/api/execution/run", queue_full_once)
    set_code(page, "print('after the wait')")
    page.click("#run-button")
    expect(page.locator("#status")).to_contain_text("Trying again in")
    expect(page.locator("#output")).to_have_text("after the wait\n", timeout=60_000)
    assert len(refused) == 1
    page.context.close()


# a statement that would run script if any layer let HTML through
SCRIPT_TAG = "<" + "script>window.__xss = 1; window.confirm('xss')</" + "script>"
IMG_TAG = '<img src="x" on' + 'error="window.__xss = 2">'
XSS_STATEMENT = (
    "Print three times the number you get.\n\n"
    + SCRIPT_TAG
    + "\n\n"
    + IMG_TAG
    + "\n\n[click me](javascript:window.__xss=3)\n"
)


def test_teacher_creates_a_problem_that_a_learner_solves_and_script_in_it_is_inert(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    teacher_name = make_teacher(server, admin_api, PASSWORD)
    teacher = new_page(browser, server)
    log_in_in_browser(teacher, teacher_name, PASSWORD)
    teacher.goto("/teach/problems/new")
    teacher.fill("#title", "Triple it")
    teacher.select_option("#ageGroup", "7-9")
    teacher.fill("#levelNumber", "1")
    teacher.fill("#order", "90")
    teacher.fill("#statement", XSS_STATEMENT)
    expect(teacher.locator("#statement-preview")).to_contain_text("window.__xss = 1")  # as text
    teacher.fill("#hints", "Read the number with int(input()).\nMultiply by 3.")
    teacher.fill("#test-0-input", "2")
    teacher.fill("#test-0-output", "6")
    teacher.fill("#test-1-input", "5")
    teacher.fill("#test-1-output", "15")
    teacher.check("input[name='test-1-hidden']")

    # a wrong reference solution is caught by the sandbox check and nothing is saved
    fill_code(teacher, "referenceSolution", "print(6)")
    teacher.click("button:has-text('Check and save')")
    expect(teacher.locator("#check-summary")).to_contain_text("did not pass 1 of 2", timeout=60_000)

    fill_code(teacher, "referenceSolution", "n = int(input())\nprint(n * 3)")
    teacher.click("button:has-text('Check and save')")
    expect(teacher).to_have_url(re.compile(r"/teach/problems\?saved="), timeout=60_000)
    problem_id = teacher.url.split("saved=", 1)[1]
    expect(teacher.locator("main")).to_contain_text("Triple it")
    assert teacher.evaluate("window.__xss") is None
    assert not watch_of(teacher).dialogs

    learner = new_page(browser, server)
    sign_up_in_browser(learner, unique_name("solver"), PASSWORD, "7-9")
    learner.goto(f"/levels/7-9/1?problem={problem_id}")
    statement = learner.locator("#statement")
    expect(statement).to_contain_text("window.__xss = 1")  # shown as text, never run
    expect(statement.locator("script, img, a[href^='javascript']")).to_have_count(0)
    assert learner.evaluate("window.__xss") is None
    set_code(learner, "n = int(input())\nprint(n * 3)")
    submit_and_wait(learner)
    expect(learner.locator("#results-summary")).to_contain_text("2 of 2 tests passed")
    expect(learner.locator(".result").nth(1)).to_contain_text("Hidden test")
    assert learner.evaluate("window.__xss") is None
    assert not watch_of(learner).dialogs, watch_of(learner).dialogs
    teacher.context.close()
    learner.context.close()


UNNAMED_CONTROLS = """
() => [...document.querySelectorAll("input, select, textarea, button, a[href], [role=textbox]")]
  .filter((el) => el.type !== "hidden" && el.offsetParent !== null)
  .filter((el) => {
    const byLabel = el.labels && [...el.labels].some((l) => l.textContent.trim());
    const byAria = (el.getAttribute("aria-label") || "").trim();
    const byRef = (el.getAttribute("aria-labelledby") || "").split(" ").some(
      (id) => id && document.getElementById(id) && document.getElementById(id).textContent.trim());
    const byText = ["BUTTON", "A"].includes(el.tagName) && el.textContent.trim();
    return !(byLabel || byAria || byRef || byText);
  })
  .map((el) => el.outerHTML.slice(0, 120))
"""


def test_every_control_is_labelled_and_the_phone_menu_works(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    page = new_page(browser, server, PHONE)
    for path in ("/", "/login", "/signup"):
        page.goto(path)
        assert page.evaluate(UNNAMED_CONTROLS) == [], path
    sign_up_in_browser(page, unique_name("a11y"), PASSWORD, "7-9")
    # the menu is one button on a phone; it opens the navigation
    expect(page.locator("#site-nav")).to_be_hidden()
    page.click(".nav-toggle")
    expect(page.locator(".nav-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#site-nav a[href='/profile']")).to_be_visible()
    for path in ("/home", "/profile", "/leaderboard", "/levels/7-9", "/levels/7-9/1"):
        page.goto(path)
        page.click(".nav-toggle")
        assert page.evaluate(UNNAMED_CONTROLS) == [], path
    # the skip link is the first thing a keyboard reaches and lands on the main content
    page.goto("/levels/7-9/1")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.context.close()

    teacher = new_page(browser, server)
    log_in_in_browser(teacher, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    for path in ("/teach/problems", "/teach/problems/new", "/teach/classes"):
        teacher.goto(path)
        assert teacher.evaluate(UNNAMED_CONTROLS) == [], path
    teacher.context.close()


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_screenshots_of_the_main_pages(
    browser: Browser, server: Server, size: str, viewport: ViewportSize
) -> None:
    page = new_page(browser, server, viewport)
    page.goto("/")
    screenshot(page, f"landing-{size}")
    sign_up_in_browser(page, unique_name("shots"), PASSWORD, "7-9")
    page.goto("/levels/7-9")
    screenshot(page, f"level-map-{size}")
    page.goto("/levels/7-9/1")
    set_code(page, "print(input().title())")  # right words, wrong capitals: a telling diff
    submit_and_wait(page)
    screenshot(page, f"problem-{size}")
    # nothing overflows sideways on a phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"] + 1
    # the solve's celebration, left open for the picture (new_page closes it for other tests)
    page.remove_locator_handler(page.locator("#celebration"))
    set_code(page, "print(input())")
    page.click("#submit-button")
    expect(page.locator("#celebration")).to_be_visible(timeout=60_000)
    expect(page.locator("#celebration")).to_contain_text("You solved")
    screenshot(page, f"celebration-{size}")
    page.keyboard.press("Escape")
    expect(page.locator("#celebration")).to_be_hidden()
    page.goto("/home")
    screenshot(page, f"home-{size}")
    assert not watch_of(page).csp_violations(), watch_of(page).errors
    page.context.close()
