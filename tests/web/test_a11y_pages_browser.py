"""axe-core on the pages `test_a11y_browser.py` does not reach with a fresh account: a class with
learners, their cards, a cell of code and a challenge's ranking; a locked level, an empty level,
the error pages (404, 403, and the 503 of an API that is down); and the problem page after a
wrong answer, with its hints, explanation and test results showing. Phone and laptop, light
and dark, no violation (WCAG 2.2 A/AA and best practice)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.support.ports import dead_port, free_port
from tests.support.serve import CODERUNNER, spawn, stop, wait_until_answers

from .browser import (
    context,
    create_class,
    log_in_in_browser,
    make_card_accounts,
    open_challenge,
    scan,
    set_code,
    sign_up_in_browser,
)
from .conftest import Server, make_teacher, unique_name
from .test_a11y_browser import LAPTOP, PASSWORD, PHONE
from .test_browser import submit_and_wait

pytestmark = pytest.mark.browser

SIZES = pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])


@dataclass(frozen=True)
class Classroom:
    teacher: Path
    child: Path
    class_url: str
    cards_url: str
    cell_url: str
    challenge_url: str
    puzzle_url: str


@pytest.fixture(scope="module")
def classroom(
    browser: Browser,
    server: Server,
    admin_api: httpx.Client,
    tmp_path_factory: pytest.TempPathFactory,
) -> Classroom:
    """A class with two card accounts, a challenge, and a child who has tried it once."""
    folder = tmp_path_factory.mktemp("axe-class")
    ctx = context(browser, server, LAPTOP)
    teacher = ctx.new_page()
    log_in_in_browser(teacher, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    class_url = create_class(teacher, "Class 5C").removeprefix(server.web_url)
    username, password = make_card_accounts(teacher, ["Mia", "Leo"])
    problem_id = open_challenge(teacher, class_url, "Friday puzzle hunt")
    challenge_url = (
        teacher.locator("#class-challenges a[href*='/challenges/']").first.get_attribute("href")
        or ""
    )
    teacher_state = folder / "teacher.json"
    ctx.storage_state(path=teacher_state)
    ctx.close()

    ctx = context(browser, server, LAPTOP)
    child = ctx.new_page()
    log_in_in_browser(child, username, password)
    expect(child).to_have_url(re.compile(r"/home$"))
    child.locator("#open-challenges a").first.click()
    expect(child.locator(".cm-content")).to_be_visible()
    puzzle_url = child.url.removeprefix(server.web_url)
    set_code(child, "print('not it yet')\n")
    submit_and_wait(child)
    learner_id = child.evaluate("JSON.parse(document.getElementById('page-data').textContent)")[
        "userId"
    ]
    child_state = folder / "child.json"
    ctx.storage_state(path=child_state)
    ctx.close()
    return Classroom(
        teacher=teacher_state,
        child=child_state,
        class_url=class_url,
        cards_url=f"{class_url}/cards",
        cell_url=f"{class_url}/learners/{learner_id}/problems/{problem_id}",
        challenge_url=challenge_url,
        puzzle_url=puzzle_url,
    )


@SIZES
@pytest.mark.parametrize("which", ["class_url", "cards_url", "cell_url", "challenge_url"])
def test_class_pages_with_learners_pass_axe(
    browser: Browser, server: Server, classroom: Classroom, viewport: ViewportSize, which: str
) -> None:
    path = getattr(classroom, which)
    assert path.startswith("/teach/classes/"), path
    scan(browser, server.web_url, viewport, path, classroom.teacher)


@SIZES
@pytest.mark.parametrize("path", ["/home", "{puzzle}"])
def test_a_class_learners_pages_pass_axe(
    browser: Browser, server: Server, classroom: Classroom, viewport: ViewportSize, path: str
) -> None:
    scan(
        browser,
        server.web_url,
        viewport,
        path.replace("{puzzle}", classroom.puzzle_url),
        classroom.child,
    )


@pytest.fixture(scope="module")
def fresh_learner(
    browser: Browser, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    ctx = context(browser, server, LAPTOP)
    page = ctx.new_page()
    sign_up_in_browser(page, unique_name("axe"), PASSWORD, "7-9")
    path = tmp_path_factory.mktemp("axe-learner") / "learner.json"
    ctx.storage_state(path=path)
    ctx.close()
    return path


def wrong_answer_with_help(page: Page) -> None:
    """Run a crash (explanation), reveal every hint, then submit a wrong answer (results)."""
    set_code(page, "print(undefined_name)\n")
    page.fill("#stdin", "hello")
    page.click("#run-button")
    expect(page.locator("#explanation")).to_be_visible(timeout=60_000)
    hint = page.locator("#hint-button")
    while hint.count() and hint.is_enabled():
        hint.click()
    set_code(page, "print(input().lower())\n")
    submit_and_wait(page)
    expect(page.locator(".result.fail").first).to_be_visible()


@SIZES
def test_the_problem_page_with_results_hints_and_explanations_passes_axe(
    browser: Browser, server: Server, fresh_learner: Path, viewport: ViewportSize
) -> None:
    scan(
        browser,
        server.web_url,
        viewport,
        "/levels/7-9/1?problem=say-it-back",
        fresh_learner,
        then=wrong_answer_with_help,
    )


@SIZES
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/levels/7-9/2", 403),  # a locked level
        ("/teach/problems", 403),  # a learner on a teacher's page
        ("/no-such-page", 404),
        ("/levels/7-9/1?problem=no-such-puzzle", 404),
    ],
)
def test_locked_and_error_pages_pass_axe(
    browser: Browser,
    server: Server,
    fresh_learner: Path,
    viewport: ViewportSize,
    path: str,
    status: int,
) -> None:
    scan(browser, server.web_url, viewport, path, fresh_learner, status=status)


@pytest.fixture
def empty_level(admin_api: httpx.Client) -> Iterator[str]:
    """A level with no puzzles yet (made by an admin, taken away after the test)."""
    number = 900 + free_port() % 100
    made = admin_api.post(
        "/levels", json={"ageGroup": "13-16", "number": number, "title": "Coming soon"}
    )
    assert made.status_code == 201, made.text
    try:
        yield f"/levels/13-16/{number}"
    finally:
        admin_api.delete(f"/levels/13-16/{number}")


@SIZES
def test_the_empty_level_page_passes_axe(
    browser: Browser,
    server: Server,
    empty_level: str,
    viewport: ViewportSize,
    tmp_path: Path,
    admin_api: httpx.Client,
) -> None:
    # staff see a level whatever its lock; a teacher opens it
    ctx = context(browser, server, LAPTOP)
    page = ctx.new_page()
    log_in_in_browser(page, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    state = tmp_path / "teacher.json"
    ctx.storage_state(path=state)
    page.goto(empty_level)
    expect(page.locator("h1")).to_have_text("No puzzles here yet")
    ctx.close()
    scan(browser, server.web_url, viewport, empty_level, state)


@pytest.fixture(scope="module")
def web_without_api(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`coderunner web` alone, its API down: every page is the kind 503 page."""
    log = tmp_path_factory.mktemp("axe-outage") / "web.log"
    with dead_port() as api_port:
        port = free_port()
        argv = [CODERUNNER, "web", "--port", str(port), "--api-url", f"http://127.0.0.1:{api_port}"]
        watched = spawn(argv, server.env, log)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_answers(url + "/", [watched], ready=lambda r: r.status_code in (200, 503))
            yield url
        finally:
            stop(watched[0])


@SIZES
def test_the_outage_page_passes_axe(
    browser: Browser, web_without_api: str, viewport: ViewportSize
) -> None:
    scan(browser, web_without_api, viewport, "/levels/7-9", status=503)
