"""Accessibility in headless Chromium against the real `coderunner serve`: axe-core finds nothing
on any page at phone and laptop sizes, and the page follows the child (dark mode, results in
view, Esc then Tab out of the editor)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.support.serve import CODERUNNER

from .browser import context, log_in_in_browser, scan, set_code, sign_up_in_browser
from .conftest import ADMIN_PASSWORD, Server, make_teacher, unique_name

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1366, "height": 768}

PUBLIC_PAGES = ["/", "/signup", "/login"]
LEARNER_PAGES = [
    "/home",
    "/levels/7-9",
    "/levels/7-9/1",
    "/levels/7-9/1/lesson",
    "/profile",
    "/leaderboard",
]
TEACHER_PAGES = [
    "/teach/classes",
    "{class}",
    "/teach/problems",
    "/teach/problems/new",
    "/teach/problems/say-it-back/edit",
]
ADMIN_PAGES = ["/teach/learners", "/admin"]


@pytest.fixture(scope="module")
def learner_state(
    browser: Browser, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    ctx = context(browser, server, LAPTOP)
    page = ctx.new_page()
    sign_up_in_browser(page, unique_name("axe"), PASSWORD, "7-9")
    path = tmp_path_factory.mktemp("axe") / "learner.json"
    ctx.storage_state(path=path)
    ctx.close()
    return path


@pytest.fixture(scope="module")
def teacher_state(
    browser: Browser,
    server: Server,
    admin_api: httpx.Client,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, str]:
    ctx = context(browser, server, LAPTOP)
    page = ctx.new_page()
    log_in_in_browser(page, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    page.fill("#class-name", "Class 4B")
    page.check("input[name=ageGroup][value='7-9']")
    page.click("button:has-text('Create class')")
    expect(page).to_have_url(re.compile(r"/teach/classes/[0-9a-f-]{36}$"))
    class_path = page.url.removeprefix(server.web_url)
    path = tmp_path_factory.mktemp("axe") / "teacher.json"
    ctx.storage_state(path=path)
    ctx.close()
    return path, class_path


@pytest.fixture(scope="module")
def admin_state(browser: Browser, server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    username = unique_name("axeadmin")
    done = subprocess.run(
        [CODERUNNER, "create-admin", "--username", username, "--data-dir", str(server.data_dir)],
        env={**server.env, "CODERUNNER_ADMIN_PASSWORD": ADMIN_PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ctx = context(browser, server, LAPTOP)
    page = ctx.new_page()
    log_in_in_browser(page, username, ADMIN_PASSWORD)
    path = tmp_path_factory.mktemp("axe") / "admin.json"
    ctx.storage_state(path=path)
    ctx.close()
    return path


SIZES = pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])


@SIZES
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_pass_axe(
    browser: Browser, server: Server, viewport: ViewportSize, path: str
) -> None:
    scan(browser, server, viewport, path)


@SIZES
@pytest.mark.parametrize("path", LEARNER_PAGES)
def test_learner_pages_pass_axe(
    browser: Browser, server: Server, learner_state: Path, viewport: ViewportSize, path: str
) -> None:
    scan(browser, server, viewport, path, learner_state)


@SIZES
@pytest.mark.parametrize("path", TEACHER_PAGES)
def test_teacher_pages_pass_axe(
    browser: Browser,
    server: Server,
    teacher_state: tuple[Path, str],
    viewport: ViewportSize,
    path: str,
) -> None:
    state, class_path = teacher_state
    scan(browser, server, viewport, path.replace("{class}", class_path), state)


@SIZES
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_pass_axe(
    browser: Browser, server: Server, admin_state: Path, viewport: ViewportSize, path: str
) -> None:
    scan(browser, server, viewport, path, admin_state)


def background(page: Page) -> str:
    return str(page.locator("body").evaluate("body => getComputedStyle(body).backgroundColor"))


def luminance(rgb: str) -> float:
    r, g, b = (int(x) for x in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_mode_follows_the_device_and_can_be_chosen(
    browser: Browser, server: Server, learner_state: Path
) -> None:
    dark = context(browser, server, LAPTOP, color_scheme="dark", storage_state=learner_state)
    page = dark.new_page()
    page.goto("/levels/7-9/1")
    assert luminance(background(page)) < 60, background(page)  # the device says dark
    editor_bg = page.locator(".cm-editor").evaluate("e => getComputedStyle(e).backgroundColor")
    assert luminance(editor_bg) < 60, editor_bg

    # the learner picks light: remembered (a cookie), and it beats the device
    page.select_option("#scheme-choice", "light")
    page.click("button:has-text('Change colours')")
    expect(page).to_have_url(re.compile(r"/levels/7-9/1$"))
    assert luminance(background(page)) > 200, background(page)
    page.goto("/home")
    assert luminance(background(page)) > 200, background(page)
    expect(page.locator("#scheme-choice")).to_have_value("light")
    dark.close()

    # and dark on a device that says light
    light = context(browser, server, LAPTOP, color_scheme="light", storage_state=learner_state)
    page = light.new_page()
    page.goto("/home")
    assert luminance(background(page)) > 200, background(page)
    page.select_option("#scheme-choice", "dark")
    page.click("button:has-text('Change colours')")
    assert luminance(background(page)) < 60, background(page)
    page.select_option("#scheme-choice", "system")
    page.click("button:has-text('Change colours')")
    assert luminance(background(page)) > 200, background(page)
    light.close()


def code_font_px(page: Page) -> float:
    size = page.locator(".cm-content").evaluate("e => getComputedStyle(e).fontSize")
    return float(str(size).removesuffix("px"))


def test_code_text_follows_the_browser_font_size_and_the_switch(
    browser: Browser, server: Server, learner_state: Path
) -> None:
    ctx = context(browser, server, LAPTOP, storage_state=learner_state)
    page = ctx.new_page()
    page.goto("/levels/7-9/1")
    expect(page.locator(".cm-content")).to_be_visible()
    normal = code_font_px(page)
    # a browser font of 24 px instead of 16 px (what the font setting changes: the root size)
    page.add_style_tag(content="html { font-size: 24px; }")
    assert code_font_px(page) == pytest.approx(normal * 1.5)
    page.goto("/levels/7-9/1")
    page.click("button:has-text('Big code text')")
    expect(page.locator("html")).to_have_class(re.compile(r"\bfont-large\b"))
    assert code_font_px(page) > normal * 1.3
    page.click("button:has-text('Big code text')")  # back to normal for the other tests
    ctx.close()


def sideways(page: Page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0: it does not)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


def test_the_problem_page_works_at_200_percent_zoom(
    browser: Browser, server: Server, learner_state: Path
) -> None:
    # What 200% browser zoom does to a 1366x768 laptop: the page gets a 683x384 CSS-pixel
    # viewport and a device pixel ratio of 2, so media queries and layout see what they would
    # see zoomed (CSS `zoom` on the page would not change the viewport or the media queries).
    ctx = context(
        browser,
        server,
        {"width": 683, "height": 384},
        device_scale_factor=2,
        storage_state=learner_state,
    )
    page = ctx.new_page()
    page.goto("/levels/7-9/1?problem=say-it-back")
    assert page.evaluate("window.devicePixelRatio") == 2
    expect(page.locator("#run-button")).to_be_enabled(timeout=60_000)
    assert sideways(page) <= 0, f"the page scrolls sideways by {sideways(page)}px"

    # the code by keyboard: Tab from the top reaches "Jump to the code", which leads to Run
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('jump-to-code')"):
            break
    else:
        pytest.fail(f"Tab never reached the jump link; last: {active(page)}")
    page.keyboard.press("Enter")
    expect(page.locator("#coding")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#run-button")).to_be_focused()
    assert in_view(page, "#run-button")
    set_code(page, "word = input()\nprint(word)\n")
    box = page.locator(".cm-editor").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 683, box
    page.fill("#stdin", "hello")
    page.locator("#run-button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#output")).to_contain_text("hello", timeout=60_000)
    assert in_view(page, "#status")
    assert sideways(page) <= 0, f"after Run the page scrolls sideways by {sideways(page)}px"

    # a wrong answer's results (a diff side by side) fit too, and come into view
    set_code(page, "word = input()\nprint(word.upper() * 9)\n")
    page.locator("#submit-button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_visible(timeout=60_000)
    expect(page.locator(".result.fail").first).to_be_visible()
    assert in_view(page, "#status")
    assert sideways(page) <= 0, f"with results the page scrolls sideways by {sideways(page)}px"
    ctx.close()


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and 0 <= box["y"] < height


def test_results_come_into_view_after_run_and_submit(
    browser: Browser, server: Server, learner_state: Path
) -> None:
    ctx = context(browser, server, LAPTOP, storage_state=learner_state)
    page = ctx.new_page()
    page.goto("/levels/7-9/1?problem=say-it-back")
    set_code(page, "word = input()\nprint(word)\n" + "\n" * 20 + "# the end\n")
    page.evaluate("window.scrollTo(0, 0)")
    page.fill("#stdin", "hello")
    page.click("#run-button")
    expect(page.locator("#output")).to_contain_text("hello", timeout=60_000)
    assert in_view(page, "#status"), page.locator("#status").bounding_box()
    assert in_view(page, "#output")

    page.evaluate("window.scrollTo(0, 0)")
    page.click("#submit-button")
    expect(page.locator("#results")).to_be_visible(timeout=60_000)
    assert in_view(page, "#status"), page.locator("#status").bounding_box()
    assert in_view(page, "#results")
    ctx.close()


def test_on_a_phone_the_code_is_one_tap_away(
    browser: Browser, server: Server, learner_state: Path
) -> None:
    ctx = context(browser, server, PHONE, storage_state=learner_state)
    page = ctx.new_page()
    page.goto("/levels/7-9/1")
    jump = page.locator("a.jump-to-code")
    assert in_view(page, "a.jump-to-code")
    jump.click()
    expect(page.locator("#coding")).to_be_focused()
    assert in_view(page, "#run-button")
    assert in_view(page, ".cm-editor")
    page.keyboard.press("Tab")  # the next stop is the code's own controls
    focused = page.evaluate("document.activeElement.closest('#coding') !== null")
    assert focused
    ctx.close()


def active(page: Page) -> str:
    return str(page.evaluate("document.activeElement.id || document.activeElement.className"))


def test_escape_then_tab_leaves_the_editor(
    browser: Browser, server: Server, learner_state: Path
) -> None:
    ctx = context(browser, server, LAPTOP, storage_state=learner_state)
    page = ctx.new_page()
    page.goto("/levels/7-9/1?problem=say-it-back")
    editor = page.locator(".cm-content")
    for attempt in range(4):
        set_code(page, "word = input()\n")
        page.keyboard.press("Tab")  # Tab in the editor indents
        expect(editor).to_be_focused()
        if attempt % 2:  # with the completion popup open
            page.keyboard.type("pri")
            page.keyboard.press("Control+Space")
            expect(page.locator(".cm-tooltip-autocomplete")).to_be_visible()
        # a slow child (or a slow machine): Esc, a pause longer than CodeMirror's 2 s, then Tab
        page.keyboard.press("Escape")
        expect(page.locator(".cm-tooltip-autocomplete")).to_have_count(0)
        page.wait_for_timeout(2_500)
        page.keyboard.press("Tab")
        expect(editor).not_to_be_focused()
        assert page.evaluate("!document.activeElement.closest('.cm-editor')"), active(page)

    # Shift+Tab goes back the other way, and after leaving, Tab indents again
    editor.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    expect(editor).not_to_be_focused()
    editor.click()
    page.keyboard.press("Escape")
    page.keyboard.press("x")  # any other key: back to indenting
    page.keyboard.press("Tab")
    expect(editor).to_be_focused()
    ctx.close()
