"""Playwright helpers for the browser tests: Debian's Chromium, pages that fail on script errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from .conftest import SCREENSHOTS, Server

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
