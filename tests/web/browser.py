"""Playwright helpers for the browser tests: Debian's Chromium, pages that fail on script errors,
axe-core scans, a teacher's class with card accounts and a challenge."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from .conftest import REPO, SCREENSHOTS, Server

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass
class Watch:
    """What a page said that a test should not ignore."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e]


def dismiss_celebrations(page: Page) -> None:
    """A celebration (a modal dialog, celebrate.js) opens after a learner's first run, a solve, a
    new badge: tests of other things close it with Esc, as a child would, when it is in the way
    of their next action (tests/web/test_celebrations_browser.py tests the dialog itself)."""
    page.add_locator_handler(page.locator("#celebration"), lambda: page.keyboard.press("Escape"))


def new_page(browser: Browser, server: Server, viewport: ViewportSize = DESKTOP) -> Page:
    context: BrowserContext = browser.new_context(
        base_url=server.web_url, viewport=viewport, reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    dismiss_celebrations(page)
    watch = Watch()
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(f"pageerror: {e}"))

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    page.on("dialog", on_dialog)
    page.watch = watch  # type: ignore[attr-defined]
    return page


def watch_of(page: Page) -> Watch:
    watch: Watch = page.watch  # type: ignore[attr-defined]
    return watch


def sign_up_in_browser(page: Page, username: str, password: str, age_group: str | None) -> None:
    page.goto("/signup")
    page.fill("#username", username)
    page.fill("#password", password)
    page.fill("#password2", password)
    if age_group:
        page.check(f"input[name=ageGroup][value='{age_group}']")
    page.click("button:has-text('Create my account')")
    page.wait_for_load_state()


def log_in_in_browser(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form button:has-text('Log in')")
    page.wait_for_load_state()


def set_code(page: Page, code: str) -> None:
    """Replace the editor's text as if pasted (no auto-indent or bracket closing)."""
    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def fill_code(page: Page, field: str, code: str) -> None:
    """Type `code` into the teacher's code editor that stands for the textarea `field`, as
    pasted."""
    expect(page.locator("#problem-form")).to_have_attribute("data-editors-ready", "true")
    editor = page.locator(f'.teach-editor[data-for="{field}"] .cm-content')
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)


def editor_text(page: Page) -> str:
    lines = page.locator(".cm-content .cm-line").all_inner_texts()
    return "\n".join(line.replace("\u200b", "") for line in lines)


def page_data(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(page.locator("#page-data").text_content() or "{}")
    return data


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# axe-core from npm, a devDependency of web/ (`scripts/bootstrap.sh --with-test-tools` installs it)
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    assert AXE.exists(), f"{AXE} is missing: run `cd web && npm ci`"
    return AXE.read_text()


def violations(page: Page) -> list[str]:
    """Run axe-core (WCAG 2.x A and AA and best practice) on the page; one line per problem."""
    page.add_script_tag(content=axe_source())
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                 'wcag22aa', 'best-practice']},
            });
            return result.violations.map(v => ({
                id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary),
            }));
        }"""
    )
    return [f"{v['id']} ({v['help']}): {json.dumps(v['nodes'][:5])}" for v in found]


def context(
    browser: Browser,
    server: Server | str,
    viewport: ViewportSize,
    *,
    color_scheme: Literal["light", "dark"] = "light",
    storage_state: Path | None = None,
    device_scale_factor: float | None = None,
) -> BrowserContext:
    """A context for axe scans (its CSP bypassed to inject axe) on the server's web pages."""
    ctx = browser.new_context(
        base_url=server if isinstance(server, str) else server.web_url,
        viewport=viewport,
        reduced_motion="reduce",
        bypass_csp=True,  # axe is injected as an inline script
        color_scheme=color_scheme,
        storage_state=storage_state,
        device_scale_factor=device_scale_factor,
    )
    ctx.set_default_timeout(30_000)
    ctx.on("page", dismiss_celebrations)
    return ctx


def scan(
    browser: Browser,
    server: Server | str,
    viewport: ViewportSize,
    path: str,
    state: Path | None = None,
    *,
    status: int = 200,
    then: Callable[[Page], None] | None = None,
) -> None:
    """Open `path` in light and dark, do `then` (bring a page to a state), and run axe."""
    schemes: tuple[Literal["light", "dark"], ...] = ("light", "dark")
    for scheme in schemes:
        ctx = context(browser, server, viewport, color_scheme=scheme, storage_state=state)
        page = ctx.new_page()
        response = page.goto(path)
        assert response is not None, path
        assert response.status == status, (path, response.status)
        page.wait_for_load_state("networkidle")
        if then is not None:
            then(page)
        found = violations(page)
        ctx.close()
        assert found == [], f"{path} ({scheme}):\n" + "\n".join(found)


def create_class(teacher: Page, name: str, age_group: str = "7-9") -> str:
    """On a teacher's classes page: make the class; its page's URL."""
    teacher.fill("#class-name", name)
    teacher.check(f"input[name=ageGroup][value='{age_group}']")
    teacher.click("button:has-text('Create class')")
    expect(teacher).to_have_url(re.compile(r"/teach/classes/[0-9a-f-]{36}$"))
    return teacher.url


def make_card_accounts(teacher: Page, names: list[str]) -> tuple[str, str]:
    """On a class's page: make accounts for `names`; the first card's username and password."""
    teacher.fill("#names", "\n".join(names))
    teacher.click("button:has-text('Make accounts and cards')")
    cards = teacher.locator(".login-card")
    expect(cards).to_have_count(len(names))
    username = cards.first.locator(".card-username").inner_text().strip()
    password = cards.first.locator(".card-password").inner_text().strip()
    return username, password


def open_challenge(teacher: Page, class_url: str, title: str) -> str:
    """A challenge of the class's first catalogue problem, open from 2020 to 2099; its problem."""
    teacher.goto(class_url)
    teacher.click("summary:has-text('New challenge')")
    teacher.fill("#challenge-title", title)
    first_problem = teacher.locator("input[name=problemIds]").first
    first_problem.check()
    problem_id = first_problem.get_attribute("value")
    assert problem_id, "the challenge form offers no problem"
    teacher.fill("#challenge-opens", "2020-01-01T00:00")
    teacher.fill("#challenge-closes", "2099-01-01T00:00")
    teacher.click("button:has-text('Save challenge')")
    expect(teacher.locator("#class-challenges")).to_contain_text(title)
    return problem_id
