""" "Read to me" in Chromium against the real `coderunner serve`: the buttons read the statement,
a hint, an explanation, the test results and a lesson aloud through the browser's own
`speechSynthesis`, in words (no code symbols); they are on for ages 7-9, a footer switch turns
them on or off for anyone, and they stay hidden in a browser that cannot speak.

The browser's API is not replaced: an init script wraps `speechSynthesis.speak` to write down
each utterance's text and then hands it to the real engine. Headless Chromium has no voices, so
the engine fails each utterance at once; only the Stop test needs an utterance still going and
uses an engine that keeps it going (said there)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .browser import context, set_code, sign_up_in_browser
from .conftest import Server, unique_name
from .test_a11y_browser import LAPTOP, PASSWORD
from .test_browser import submit_and_wait

pytestmark = pytest.mark.browser

SAY_IT_BACK = "/levels/7-9/1?problem=say-it-back"

RECORD_SPEECH = """
window.__spoken = [];
window.__cancels = 0;
const realSpeak = speechSynthesis.speak.bind(speechSynthesis);
const realCancel = speechSynthesis.cancel.bind(speechSynthesis);
speechSynthesis.speak = (utterance) => {
  window.__spoken.push(utterance.text);
  realSpeak(utterance);
};
speechSynthesis.cancel = () => { window.__cancels += 1; realCancel(); };
"""
# Stop needs an utterance that is still being read, which a browser without voices never has:
# this engine writes the text down and keeps it "speaking" until cancel() (then says so, as
# browsers do, with an "interrupted" error event).
ENGINE_THAT_KEEPS_TALKING = """
window.__spoken = [];
window.__cancels = 0;
let talking = [];
speechSynthesis.speak = (utterance) => {
  window.__spoken.push(utterance.text);
  talking.push(utterance);
};
speechSynthesis.cancel = () => {
  window.__cancels += 1;
  const stopped = talking; talking = [];
  for (const u of stopped) {
    u.dispatchEvent(new SpeechSynthesisErrorEvent("error", {utterance: u, error: "interrupted"}));
  }
};
"""
NO_SPEECH = """
delete Window.prototype.speechSynthesis;
delete window.speechSynthesis;
delete window.SpeechSynthesisUtterance;
"""


def spoken(page: Page) -> str:
    return " ".join(page.evaluate("window.__spoken"))


def wait_spoken(page: Page, *words: str, deadline_s: float = 30) -> str:
    """The text spoken so far, once it holds each of `words` (polled; fails at the deadline)."""
    end = time.monotonic() + deadline_s
    said = spoken(page)
    while not all(word in said for word in words):
        assert time.monotonic() < end, f"never said {words!r}; said: {said!r}"
        page.wait_for_timeout(100)
        said = spoken(page)
    return said


def learner(
    browser: Browser, server: Server, tmp_path_factory: pytest.TempPathFactory, age: str
) -> Path:
    ctx = context(browser, server, LAPTOP)
    page = ctx.new_page()
    sign_up_in_browser(page, unique_name("speak"), PASSWORD, age)
    path = tmp_path_factory.mktemp("speak") / f"{age}.json"
    ctx.storage_state(path=path)
    ctx.close()
    return path


@pytest.fixture(scope="module")
def young(browser: Browser, server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return learner(browser, server, tmp_path_factory, "7-9")


@pytest.fixture(scope="module")
def older(browser: Browser, server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return learner(browser, server, tmp_path_factory, "10-12")


def open_page(
    browser: Browser, server: Server, state: Path, script: str, url: str = SAY_IT_BACK
) -> Page:
    """A page at `url` in a browser of `state` with `script`; `page.context.close()` after."""
    ctx = context(browser, server, LAPTOP, storage_state=state)
    ctx.add_init_script(script)
    page = ctx.new_page()
    page.goto(url)
    return page


def first_speak_button(page: Page) -> Locator:
    return page.locator("button.speak-button").first


def test_the_statement_hints_explanations_and_results_are_read_aloud(
    browser: Browser, server: Server, young: Path
) -> None:
    page = open_page(browser, server, young, RECORD_SPEECH)
    expect(page.locator("#run-button")).to_be_enabled(timeout=60_000)  # the page is wired
    read_statement = page.locator("button.speak-button:has-text('Read it to me')")
    expect(read_statement).to_be_visible()
    read_statement.click()
    said = wait_spoken(page, "Say it back", "The computer gives you a word")
    # inline code said as a word, a one-line example said as it is; no code marks read out
    assert "a box called word." in said, said
    assert "cat" in said, said
    assert not re.search(r"[`*()#]", said), said

    # a hint, once shown, has its own button
    hint_buttons = page.locator("#hint-list button.speak-button")
    expect(hint_buttons.first).to_be_hidden()
    page.click("#hint-button")
    hint_buttons.first.click()
    said = wait_spoken(page, "to show something on the screen")
    assert "Use print to show something on the screen." in said, said

    # an error's explanation
    read_explanation = page.locator("button.speak-button:has-text('Read this to me')")
    expect(read_explanation).to_be_hidden()  # nothing to explain yet
    set_code(page, "print(undefined_name)\n")
    page.fill("#stdin", "cat")
    page.click("#run-button")
    explanation = page.locator("#explanation")
    expect(explanation).to_be_visible(timeout=60_000)
    expect(read_explanation).to_be_visible()
    read_explanation.click()
    first_line = explanation.locator("p").first.inner_text()
    wait_spoken(page, re.sub(r"[`()]", " ", first_line).split()[0])

    # the test results: the summary and what went wrong, not the diff's marks
    set_code(page, "word = input()\nprint(word.upper())\n")
    submit_and_wait(page)
    page.click("button.speak-button:has-text('Read the results to me')")
    said = wait_spoken(page, "0 of", "tests passed", "Wrong answer")
    assert "·" not in said, said
    assert "↵" not in said, said
    page.context.close()


def test_a_lesson_is_read_aloud_without_its_code(
    browser: Browser, server: Server, young: Path
) -> None:
    page = open_page(browser, server, young, RECORD_SPEECH, "/levels/7-9/1/lesson")
    idea = page.locator("section.lesson-step").first
    idea.locator("button.speak-button").click()
    example = idea.locator("pre.lesson-code").inner_text().strip()
    said = wait_spoken(page, "The idea", "Look at the example on the screen.")
    assert idea.locator(".markdown").first.inner_text().split()[0] in said, said
    assert example not in said, said
    page.context.close()


def test_pressing_again_stops_reading(browser: Browser, server: Server, young: Path) -> None:
    page = open_page(browser, server, young, ENGINE_THAT_KEEPS_TALKING)
    button = first_speak_button(page)
    button.click()
    expect(button).to_have_text(re.compile("Stop reading"))
    wait_spoken(page, "Say it back")
    cancels = page.evaluate("window.__cancels")
    button.click()
    expect(button).to_have_text(re.compile("Read it to me"))
    assert page.evaluate("window.__cancels") > cancels
    page.context.close()


def test_leaving_the_page_stops_reading_and_leaves_a_quiet_engine_alone(
    browser: Browser, server: Server, young: Path
) -> None:
    page = open_page(browser, server, young, ENGINE_THAT_KEEPS_TALKING)
    button = first_speak_button(page)
    expect(button).to_be_visible()
    leave = "window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))"
    page.evaluate(leave)
    assert page.evaluate("window.__cancels") == 0  # nothing was reading: the engine is untouched
    button.click()
    wait_spoken(page, "Say it back")
    cancels = page.evaluate("window.__cancels")
    page.evaluate(leave)
    assert page.evaluate("window.__cancels") > cancels
    expect(button).to_have_text(re.compile("Read it to me"))  # back from the page: ready again
    page.context.close()


def test_the_buttons_are_hidden_in_a_browser_that_cannot_speak(
    browser: Browser, server: Server, young: Path
) -> None:
    page = open_page(browser, server, young, NO_SPEECH)
    assert page.evaluate("'speechSynthesis' in window") is False
    expect(page.locator("#run-button")).to_be_enabled(timeout=60_000)  # the page's scripts ran
    assert page.locator("button.speak-button").count() > 0  # rendered, but not shown
    for button in page.locator("button.speak-button").all():
        expect(button).to_be_hidden()
    expect(page.locator("form.speak-form")).to_be_hidden()
    page.context.close()


def test_on_for_7_to_9_and_a_switch_for_everyone(
    browser: Browser, server: Server, young: Path, older: Path
) -> None:
    page = open_page(browser, server, older, RECORD_SPEECH, "/levels/10-12/1")
    expect(page.locator("#run-button")).to_be_enabled(timeout=60_000)
    expect(page.locator("button.speak-button")).to_have_count(0)  # off at 10-12
    switch = page.locator("form.speak-form button")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(page).to_have_url(re.compile(r"/levels/10-12/1$"))
    expect(page.locator("form.speak-form button")).to_have_attribute("aria-pressed", "true")
    first_speak_button(page).click()
    wait_spoken(page, page.locator("#problem-title").inner_text())
    page.context.close()

    page = open_page(browser, server, young, RECORD_SPEECH, "/levels/7-9/1")
    switch = page.locator("form.speak-form button")
    expect(switch).to_have_attribute("aria-pressed", "true")  # on at 7-9
    switch.click()
    expect(page.locator("form.speak-form button")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("button.speak-button")).to_have_count(0)
    page.context.close()
