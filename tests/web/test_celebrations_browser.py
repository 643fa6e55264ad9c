"""Celebrations in headless Chromium against the real `coderunner serve`: a solve brings a
moment with the learner's character (every new event in one dialog), Esc closes it and gives
focus back, a reload does not show it again, sound plays only once switched on, the animation
stops under reduced motion, and axe finds nothing with the dialog open at phone and laptop
sizes, light and dark."""

from __future__ import annotations

import re
from typing import Any, Literal

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from .browser import log_in_in_browser, page_data, set_code, sign_up_in_browser, violations
from .conftest import Server, unique_name
from .test_a11y_browser import LAPTOP, PHONE

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
# counts the AudioContexts a page makes: the chime is the only thing that makes one
COUNT_AUDIO = """
window.__audioContexts = 0;
const Original = window.AudioContext;
window.AudioContext = class extends Original {
  constructor(...args) { super(...args); window.__audioContexts += 1; }
};
"""


def reference(admin_api: httpx.Client, problem_id: str) -> str:
    response = admin_api.get(f"/problems/{problem_id}/full")
    assert response.status_code == 200, response.text
    solution: str = response.json()["referenceSolution"]
    return solution


def level_one(admin_api: httpx.Client) -> list[str]:
    response = admin_api.get("/levels/7-9/1")
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["problems"]]


def new_context_page(
    browser: Browser,
    server: Server,
    viewport: ViewportSize = LAPTOP,
    *,
    motion: Literal["reduce", "no-preference"] = "no-preference",
    scheme: Literal["light", "dark"] = "light",
    storage_state: Any = None,
    bypass_csp: bool = False,
) -> Page:
    ctx = browser.new_context(
        base_url=server.web_url,
        viewport=viewport,
        reduced_motion=motion,
        color_scheme=scheme,
        storage_state=storage_state,
        bypass_csp=bypass_csp,
    )
    ctx.set_default_timeout(30_000)
    ctx.add_init_script(COUNT_AUDIO)
    errors: list[str] = []
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def audio_contexts(page: Page) -> int:
    return int(page.evaluate("window.__audioContexts"))


def unseen(page: Page) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = page.evaluate(
        "fetch('/api/celebrations').then(r => r.json()).then(b => b.events)"
    )
    return events


def animation(page: Page) -> str:
    return str(
        page.locator(".celebration-mascot").evaluate("e => getComputedStyle(e).animationName")
    )


def test_a_solve_is_celebrated_once_with_the_character(
    browser: Browser, server: Server, admin_api: httpx.Client
) -> None:
    page = new_context_page(browser, server)
    sign_up_in_browser(page, unique_name("yay"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1")
    expect(page.locator("#submit-button")).to_be_enabled(timeout=60_000)
    problem_id = page_data(page)["problemId"]
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_hidden()

    set_code(page, reference(admin_api, problem_id))
    page.click("#submit-button")
    expect(dialog).to_be_visible(timeout=60_000)
    # one moment for everything the solve brought, the solve first
    expect(dialog).to_have_accessible_name("Look what you did!")
    items = dialog.locator(".celebration-item")
    expect(items.first).to_contain_text("You solved")
    expect(dialog).to_contain_text("New badge: First steps!")
    expect(dialog).to_contain_text("New badge: First run!")
    expect(dialog.locator("img.celebration-mascot")).to_have_attribute(
        "src", re.compile(r"/static/img/astro\.svg")
    )
    expect(dialog).to_contain_text("Astro is cheering for you!")
    expect(page.locator("#celebration-close")).to_be_focused()
    assert animation(page) == "celebration-bounce"
    assert audio_contexts(page) == 0  # sounds are off until switched on
    expect(page.locator("#celebration-sound")).to_have_attribute("aria-pressed", "false")
    # it was marked seen as it showed
    assert unseen(page) == []

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#submit-button")).to_be_focused()
    expect(page.locator("#status")).to_contain_text("XP")

    page.reload()
    expect(page.locator("#submit-button")).to_be_enabled(timeout=60_000)
    page.wait_for_load_state("networkidle")
    expect(dialog).to_be_hidden()
    assert not page.errors  # type: ignore[attr-defined]
    page.context.close()


def test_sound_plays_only_when_switched_on(browser: Browser, server: Server) -> None:
    page = new_context_page(browser, server)
    sign_up_in_browser(page, unique_name("chime"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1")
    expect(page.locator("#run-button")).to_be_enabled(timeout=60_000)
    dialog = page.get_by_role("dialog")

    set_code(page, "print(1 / 0)")  # a first run: a badge, told without a sound
    page.click("#run-button")
    expect(dialog).to_be_visible(timeout=60_000)
    expect(dialog).to_have_accessible_name("New badge: First run!")
    assert audio_contexts(page) == 0
    sound = page.locator("#celebration-sound")
    sound.click()  # switched on: it plays to show what it sounds like, and is remembered
    expect(sound).to_have_attribute("aria-pressed", "true")
    expect(sound).to_have_text("Sounds: on")
    assert audio_contexts(page) == 1
    page.locator("#celebration-close").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#run-button")).to_be_focused()

    set_code(page, "print(2)")  # a fix after an error: another badge, now with a chime
    page.click("#run-button")
    expect(dialog).to_be_visible(timeout=60_000)
    expect(dialog).to_have_accessible_name("New badge: Bug squasher!")
    expect(page.locator("#celebration-sound")).to_have_attribute("aria-pressed", "true")
    assert audio_contexts(page) == 2
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert not page.errors  # type: ignore[attr-defined]
    page.context.close()


SIZES = [(PHONE, "light"), (PHONE, "dark"), (LAPTOP, "light"), (LAPTOP, "dark")]


def test_the_open_dialog_passes_axe_and_keeps_still_under_reduced_motion(
    browser: Browser, server: Server, admin_api: httpx.Client, tmp_path: Any
) -> None:
    username = unique_name("axeyay")
    with httpx.Client(base_url=server.api_url, timeout=120) as api:
        made = api.post(
            "/auth/register", json={"username": username, "password": PASSWORD, "ageGroup": "7-9"}
        )
        assert made.status_code == 201, made.text
        api.headers["authorization"] = f"Bearer {made.json()['token']}"
        page = new_context_page(browser, server)
        log_in_in_browser(page, username, PASSWORD)
        state = tmp_path / "state.json"
        page.context.storage_state(path=state)
        page.context.close()
        problems = level_one(admin_api)
        assert len(problems) >= len(SIZES)
        for (viewport, scheme), problem_id in zip(SIZES, problems, strict=False):
            # a solve through the API: one unseen event waits for the page
            solved = api.post(
                "/execution/submit?wait=true",
                json={"problemId": problem_id, "code": reference(admin_api, problem_id)},
            )
            assert solved.status_code == 200, solved.text
            assert solved.json()["submissionResult"]["verdict"] == "ACCEPTED"
            page = new_context_page(
                browser,
                server,
                viewport,
                motion="reduce",
                scheme=scheme,  # type: ignore[arg-type]
                storage_state=state,
                bypass_csp=True,  # axe is injected as an inline script
            )
            page.goto(f"/levels/7-9/1?problem={problem_id}")
            dialog = page.get_by_role("dialog")
            expect(dialog).to_be_visible(timeout=60_000)  # shown as the page opens
            expect(dialog).to_contain_text("You solved")
            assert animation(page) == "none"
            found = violations(page)
            assert found == [], f"{viewport} {scheme}:\n" + "\n".join(found)
            page.context.close()
