"""Teacher authoring in Chromium against the real `coderunner serve`: code editors in the problem
form, the solution check test by test, the language and drawing choices, "preview as a learner",
friendly errors on teacher pages, and axe on those pages at phone and laptop sizes."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.support.ports import dead_port, free_port
from tests.support.serve import CODERUNNER, answers_200, spawn, stop, wait_until_answers

from .browser import context, fill_code, log_in_in_browser, new_page, violations, watch_of
from .conftest import ADMIN_PASSWORD, Server, make_teacher, unique_name
from .test_a11y_browser import LAPTOP, PHONE

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def new_problem_basics(page: Page, title: str, level: str = "1") -> None:
    page.goto("/teach/problems/new")
    page.fill("#title", title)
    page.select_option("#ageGroup", "7-9")
    page.fill("#levelNumber", level)
    page.fill("#order", "95")
    page.fill("#statement", f"**{title}**: read a number and print three times it.")


@pytest.fixture(scope="module")
def teacher(browser: Browser, server: Server, admin_api: httpx.Client) -> Iterator[Page]:
    page = new_page(browser, server)
    log_in_in_browser(page, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    yield page
    assert watch_of(page).csp_violations() == []
    page.context.close()


def test_code_fields_are_editors_and_the_check_reports_each_test(
    teacher: Page, admin_api: httpx.Client
) -> None:
    page = teacher
    new_problem_basics(page, "Triple it")
    # the code fields are CodeMirror editors in the problem's language; the boxes are hidden
    expect(page.locator('.teach-editor[data-for="referenceSolution"] .cm-content')).to_be_visible()
    expect(page.locator("#referenceSolution")).to_be_hidden()
    label = page.locator('.teach-editor[data-for="starterCode"] .cm-content')
    assert "Starter code" in (label.get_attribute("aria-label") or "")
    fill_code(page, "starterCode", "n = int(input())\n")
    # typed, not pasted: the editor indents after a colon, and the form gets what it shows
    editor = page.locator('.teach-editor[data-for="referenceSolution"] .cm-content')
    editor.click()
    page.keyboard.type("n = int(input())\nif n > 0:\nprint(6)")
    assert page.input_value("#referenceSolution") == "n = int(input())\nif n > 0:\n    print(6)"
    # Esc then Tab leaves the editor (Tab alone indents)
    page.keyboard.press("Tab")
    expect(editor).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(editor).not_to_be_focused()

    page.fill("#test-0-input", "2")
    page.fill("#test-0-output", "6")
    page.fill("#test-1-input", "5")
    page.fill("#test-1-output", "15")
    page.fill("#test-1-name", "five")
    page.check("input[name='test-1-hidden']")
    page.click("button:has-text('Check solution only')")
    summary = page.locator("#check-summary")
    expect(summary).to_contain_text("did not pass 1 of 2 tests", timeout=90_000)
    report = page.locator("#check-report-python li")
    expect(report.nth(0)).to_have_text(re.compile(r"^\s*✓\s*Test 1: passed\.\s*$"))
    expect(report.nth(1)).to_contain_text(
        "Test 2 (five) (hidden): your solution printed “6”, the test expects “15”."
    )
    assert "(OK)" not in page.locator("main").inner_text()
    # the form kept everything, and the editor shows the solution again
    fill_code(page, "referenceSolution", "n = int(input())\nprint(n * 3)\n")
    page.click("button:has-text('Check and save')")
    expect(page).to_have_url(re.compile(r"/teach/problems\?saved="), timeout=90_000)
    problem_id = page.url.split("saved=", 1)[1]
    stored = admin_api.get(f"/problems/{problem_id}/full").json()
    # (the API keeps code without its trailing blank line)
    assert stored["referenceSolution"].rstrip() == "n = int(input())\nprint(n * 3)"
    assert stored["starterCode"].rstrip() == "n = int(input())"
    assert stored["language"] == "python"
    assert [t["hidden"] for t in stored["tests"]] == [False, True]


def test_without_javascript_the_plain_boxes_save_and_a_refusal_keeps_the_work(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    ctx = browser.new_context(base_url=server.web_url, java_script_enabled=False)
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    log_in_in_browser(page, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    new_problem_basics(page, "Triple it, no script")
    expect(page.locator(".teach-editor")).to_have_count(0)
    page.fill("#starterCode", "n = int(input())")
    page.fill("#referenceSolution", "n = int(input())\nprint(n * 3)")
    page.fill("#test-0-input", "2")
    page.fill("#test-0-output", "6")
    # an id that is taken: the API refuses, the page says so kindly and keeps everything
    taken = admin_api.get("/problems", params={"ageGroup": "7-9", "level": 1}).json()
    page.fill("#id", taken["items"][0]["id"])
    page.click("button:has-text('Check and save')")
    expect(page.locator("#form-errors")).to_contain_text(
        "A problem with this id exists already", timeout=90_000
    )
    expect(page.locator("#form-errors")).to_contain_text("your work is still here")
    assert page.input_value("#referenceSolution") == "n = int(input())\nprint(n * 3)"
    page.fill("#id", "")
    page.click("button:has-text('Check and save')")
    expect(page).to_have_url(re.compile(r"/teach/problems\?saved="), timeout=90_000)
    stored = admin_api.get(f"/problems/{page.url.split('saved=', 1)[1]}/full").json()
    assert stored["referenceSolution"] == "n = int(input())\nprint(n * 3)"
    ctx.close()


def test_languages_and_drawing_are_chosen_and_saved(teacher: Page, admin_api: httpx.Client) -> None:
    page = teacher
    # JavaScript first, Python as the learner's other choice
    new_problem_basics(page, "Triple it in JavaScript")
    page.select_option("#language", "javascript")
    expect(page.locator(".also-language[data-language='javascript']")).to_be_hidden()
    fill_code(
        page,
        "referenceSolution",
        'const n = Number(require("fs").readFileSync(0, "utf8"));\nconsole.log(n * 3);\n',
    )
    page.check("#also-python")
    fill_code(page, "also-python-solution", "print(int(input()) * 3)\n")
    fill_code(page, "also-python-starterCode", "n = int(input())\n")
    page.fill("#test-0-input", "2")
    page.fill("#test-0-output", "6")
    page.click("button:has-text('Check solution only')")
    expect(page.locator("#check-summary")).to_contain_text("passed all 2 tests", timeout=90_000)
    expect(page.locator("h2.check-language")).to_have_text(["JavaScript", "Python"])
    expect(page.locator("#language")).to_have_value("javascript")
    page.click("button:has-text('Check and save')")
    expect(page).to_have_url(re.compile(r"/teach/problems\?saved="), timeout=90_000)
    stored = admin_api.get(f"/problems/{page.url.split('saved=', 1)[1]}/full").json()
    assert stored["language"] == "javascript"
    python = stored["otherLanguages"]["python"]
    assert list(stored["otherLanguages"]) == ["python"]
    assert python["starterCode"].rstrip() == "n = int(input())"
    assert python["solution"].rstrip() == "print(int(input()) * 3)"

    # a turtle drawing: Python only, tests with an input and no output, colours optional
    new_problem_basics(page, "Turtle square")
    page.select_option("#comparison", "drawing")
    expect(page.locator(".test-output").first).to_be_hidden()
    expect(page.locator("#also-languages")).to_be_hidden()
    page.uncheck("#colours")
    fill_code(
        page,
        "referenceSolution",
        "import turtle\nsize = int(input())\nfor i in range(4):\n"
        "    turtle.forward(size)\n    turtle.left(90)\n",
    )
    page.fill("#test-0-input", "50")
    page.fill("#test-1-input", "80")
    page.click("button:has-text('Check and save')")
    expect(page).to_have_url(re.compile(r"/teach/problems\?saved="), timeout=90_000)
    problem_id = page.url.split("saved=", 1)[1]
    stored = admin_api.get(f"/problems/{problem_id}/full").json()
    assert stored["comparison"]["mode"] == "drawing"
    assert stored["comparison"]["colours"] is False
    assert [t["expectedOutput"] for t in stored["tests"]] == ["", ""]
    # editing keeps the drawing mode (it used to fall back to comparing output)
    page.goto(f"/teach/problems/{problem_id}/edit")
    expect(page.locator("#comparison")).to_have_value("drawing")
    page.click("button:has-text('Check solution only')")
    expect(page.locator("#check-summary")).to_contain_text("passed all 2 tests", timeout=90_000)


def test_preview_shows_the_childs_page_and_never_the_solution(
    teacher: Page, server: Server, admin_api: httpx.Client, browser: Browser
) -> None:
    problem_id = unique_name("draft-preview").replace("_", "-").lower()
    secret_solution = "print('the secret solution ' + input())"
    made = admin_api.post(
        "/problems",
        json={
            "id": problem_id,
            "title": "Say it loudly",
            "ageGroup": "7-9",
            "levelNumber": 1,
            "order": 99,
            "statement": "Print **the word** with three `!`.",
            "starterCode": "word = input()\n",
            "hints": ["Use `+` to join text."],
            "referenceSolution": secret_solution,
            "tests": [
                {"name": "example", "input": "hi", "expectedOutput": "hi!!!"},
                {
                    "name": "secret",
                    "input": "zebra-input",
                    "expectedOutput": "zebra-output!!!",
                    "hidden": True,
                },
            ],
            "isPublished": False,
        },
    )
    assert made.status_code == 201, made.text

    page = teacher
    page.goto(f"/teach/problems/{problem_id}/edit")
    page.click("#preview-link")
    expect(page).to_have_url(re.compile(rf"/teach/problems/{problem_id}/preview$"))
    banner = page.locator("#preview-banner")
    expect(banner).to_contain_text("Preview: what a learner aged 7 to 9 sees")
    expect(banner).to_contain_text("This problem is a draft")
    expect(page.locator("#problem-title")).to_have_text("Say it loudly")
    expect(page.locator("#statement strong")).to_have_text("the word")
    expect(page.locator(".example")).to_have_count(1)
    expect(page.locator(".example")).to_contain_text("hi!!!")
    expect(page.locator(".cm-content")).to_contain_text("word = input()")
    page.click("#hint-button")
    expect(page.locator("#hint-list li").first).to_contain_text("to join text")
    html = page.content()
    for secret in ("the secret solution", "zebra-input", "zebra-output"):
        assert secret not in html
    # code typed in the preview is not saved as the teacher's own draft of the problem
    draft_calls: list[str] = []
    page.on(
        "request",
        lambda r: draft_calls.append(f"{r.method} {r.url}") if "/drafts/" in r.url else None,
    )
    page.locator(".cm-content").click()
    page.keyboard.insert_text("print('typed in the preview')\n")
    banner.locator("a:has-text('Back to the editor')").click()  # leaving flushes unsaved code
    expect(page).to_have_url(re.compile(rf"/teach/problems/{problem_id}/edit$"))
    assert draft_calls == []
    page.goto(f"/levels/7-9/1?problem={problem_id}")  # the teacher's own page of the problem
    expect(page.locator(".cm-content")).to_contain_text("word = input()")
    expect(page.locator(".cm-content")).not_to_contain_text("typed in the preview")

    # a learner reaches neither the preview nor the draft itself
    child = new_page(browser, server)
    with httpx.Client(base_url=server.api_url, timeout=30) as api:
        name = unique_name("kid")
        created = api.post(
            "/auth/register", json={"username": name, "password": PASSWORD, "ageGroup": "7-9"}
        )
        assert created.status_code == 201, created.text
    log_in_in_browser(child, name, PASSWORD)
    refused = child.goto(f"/teach/problems/{problem_id}/preview")
    assert refused is not None
    assert refused.status == 403
    expect(child.locator("main")).to_contain_text("for teachers")
    hidden = child.goto(f"/levels/7-9/1?problem={problem_id}")
    assert hidden is not None
    assert hidden.status == 404
    for secret in ("Say it loudly", "the secret solution", "the word"):
        assert secret not in child.content()
    child.context.close()


def _admin_page(browser: Browser, server: Server) -> Page:
    username = unique_name("admin")
    done = subprocess.run(
        [CODERUNNER, "create-admin", "--username", username, "--data-dir", str(server.data_dir)],
        env={**server.env, "CODERUNNER_ADMIN_PASSWORD": ADMIN_PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page = new_page(browser, server)
    log_in_in_browser(page, username, ADMIN_PASSWORD)
    return page


def _no_bare_code(page: Page) -> None:
    text = page.locator("main").inner_text()
    for code in ("NOT_FOUND", "VALIDATION_ERROR", "API_UNREACHABLE", "HTTP_", "Input should"):
        assert code not in text, text


def test_teacher_pages_say_what_went_wrong_kindly(
    browser: Browser, server: Server, teacher: Page
) -> None:
    # an admin unlocks a level that does not exist for a learner
    kid = unique_name("kid")
    with httpx.Client(base_url=server.api_url, timeout=30) as api:
        made = api.post(
            "/auth/register", json={"username": kid, "password": PASSWORD, "ageGroup": "7-9"}
        )
        assert made.status_code == 201, made.text
    admin = _admin_page(browser, server)
    admin.goto("/teach/learners?ageGroup=7-9")
    row = admin.locator(f"tr:has-text('{kid}')")
    row.locator("input[name=levelNumber]").fill("999")
    row.locator("button:has-text('Unlock')").click()
    expect(admin.locator("#error-message")).to_contain_text("That level doesn't exist")
    _no_bare_code(admin)
    admin.locator("#error-back").click()
    expect(admin).to_have_url(re.compile(r"/teach/learners$"))
    admin.context.close()

    # a class's unlock form acting on a learner who is not in the class, and a level number the
    # API refuses (both sent by a form changed under the page, as a stale page would)
    page = teacher
    page.goto("/teach/classes")
    page.fill("#class-name", "Class 5C")
    page.check("input[name=ageGroup][value='7-9']")
    page.click("button:has-text('Create class')")
    expect(page).to_have_url(re.compile(r"/teach/classes/[0-9a-f-]{36}$"))
    class_url = page.url
    page.evaluate(
        """() => {
            const learner = document.getElementById('unlock-learner');
            learner.add(new Option('someone else', 'not-in-this-class'));
            learner.value = 'not-in-this-class';
        }"""
    )
    page.click("button:has-text('Open level')")
    expect(page.locator("#error-message")).to_contain_text("isn't in this class")
    _no_bare_code(page)
    page.locator("#error-back").click()
    expect(page).to_have_url(class_url)
    page.evaluate(
        """() => {
            const level = document.getElementById('unlock-level');
            level.add(new Option('5000', '5000'));
            level.value = '5000';
        }"""
    )
    page.click("button:has-text('Open level')")
    expect(page.locator("#error-message")).to_contain_text(
        "Something in the form needs fixing: the level number should be less than or equal"
    )
    _no_bare_code(page)

    # another teacher's class, and a problem that does not exist
    gone = page.goto("/teach/problems/no-such-problem-here/edit")
    assert gone is not None
    assert gone.status == 404
    expect(page.locator("#error-message")).to_contain_text("We couldn't find that problem")
    expect(page.locator("#error-back")).to_have_attribute("href", "/teach/problems")
    _no_bare_code(page)


def test_a_teacher_page_with_the_api_down_says_so_and_offers_a_retry(
    browser: Browser, server: Server, teacher: Page, tmp_path: Path
) -> None:
    """A second web process whose API is gone: the teacher's cookie (same host) reaches it."""
    port = free_port()
    with dead_port() as dead:
        argv = [CODERUNNER, "web", "--port", str(port), "--api-url", f"http://127.0.0.1:{dead}"]
        watched = spawn(argv, server.env, tmp_path / "web.log")
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_answers(url + "/", [watched], ready=answers_200)
            response = teacher.goto(url + "/teach/problems/new")
            assert response is not None
            assert response.status == 503
            assert int(response.headers["retry-after"]) >= 1
            expect(teacher.locator("#error-message")).to_contain_text("taking a short break")
            retry = teacher.locator("a:has-text('Try again')")
            expect(retry).to_have_attribute("href", "/teach/problems/new")
            _no_bare_code(teacher)
        finally:
            stop(watched[0])


def _scan(page: Page, where: str) -> None:
    page.wait_for_load_state("networkidle")
    found = violations(page)
    assert found == [], f"{where}:\n" + "\n".join(found)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_teacher_authoring_pages_pass_axe(
    browser: Browser,
    server: Server,
    teacher: Page,
    admin_api: httpx.Client,
    viewport: ViewportSize,
    tmp_path: Path,
) -> None:
    problems = admin_api.get("/problems", params={"ageGroup": "7-9", "level": 4}).json()
    turtle = next(p["id"] for p in problems["items"] if p["id"].startswith("turtle-"))
    state = tmp_path / "teacher.json"
    teacher.context.storage_state(path=state)
    schemes: tuple[Literal["light", "dark"], ...] = ("light", "dark")
    for scheme in schemes:
        ctx = context(browser, server, viewport, color_scheme=scheme, storage_state=state)
        page = ctx.new_page()
        page.goto("/teach/problems")
        _scan(page, f"problems ({scheme})")
        page.goto(f"/teach/problems/{turtle}/edit")
        expect(page.locator("#problem-form")).to_have_attribute("data-editors-ready", "true")
        _scan(page, f"edit ({scheme})")
        page.click("button:has-text('Check solution only')")
        expect(page.locator("#check-summary")).to_be_visible(timeout=90_000)
        _scan(page, f"check report ({scheme})")
        page.goto(f"/teach/problems/{turtle}/preview")
        expect(page.locator(".cm-content")).to_be_visible()
        _scan(page, f"preview ({scheme})")
        page.goto("/teach/problems/no-such-problem-here/edit")
        _scan(page, f"error ({scheme})")
        ctx.close()
