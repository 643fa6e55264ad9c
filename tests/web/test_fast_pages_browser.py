"""The problem page on a slow network: the code is readable and Run waits for the editor."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Route, expect

from .browser import new_page, page_data, set_code, sign_up_in_browser, watch_of
from .conftest import Server, unique_name

PASSWORD = "a-good-password-1"


def test_code_shows_at_once_and_run_waits_for_the_editor_bundle(
    browser: Browser, server: Server
) -> None:
    page = new_page(browser, server)
    sign_up_in_browser(page, unique_name("slow"), PASSWORD, "7-9")
    page.goto("/levels/7-9/1")
    starter = page_data(page)["starterCode"]
    expect(page.locator("#run-button")).to_be_enabled()
    draft = "print('my own draft')"
    set_code(page, draft)

    held: list[Route] = []
    page.route("**/static/build/editor.js*", lambda route: held.append(route))
    page.goto("/levels/7-9/1", wait_until="commit")
    expect(page.locator("#editor-placeholder")).to_be_visible()
    # the page asks for the bundle with a dynamic import(), which the load event does not wait
    # for: poll (events, and so the route handler, run while Playwright waits)
    deadline = time.monotonic() + 30
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the editor bundle was not requested"
    assert "?v=" in held[0].request.url
    # the bundle is held: the learner's own code is there, Run and Submit wait for the editor
    expect(page.locator("#editor-placeholder")).to_have_text(draft)
    assert starter.strip() != draft
    expect(page.locator("#run-button")).to_be_disabled()
    expect(page.locator("#submit-button")).to_be_disabled()
    expect(page.get_by_role("status").filter(has_text="Editor loading…")).to_be_visible()
    assert page.locator(".cm-content").count() == 0

    held[0].continue_()
    expect(page.locator("#run-button")).to_be_enabled()
    expect(page.locator("#submit-button")).to_be_enabled()
    expect(page.locator(".cm-content")).to_contain_text(draft)
    expect(page.locator("#editor-placeholder")).to_have_count(0)
    expect(page.locator("#editor-loading")).to_have_count(0)
    assert watch_of(page).errors == []
    page.context.close()
