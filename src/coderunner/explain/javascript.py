"""Explanations of Node.js errors: the first error line, the line of /sandbox/main.js, and a
table of the mistakes beginners make most (names, undefined values, brackets, quotes)."""

from __future__ import annotations

import re

from .model import Explanation
from .rules import Words

_HEADER = re.compile(r"^/sandbox/main\.js:(\d+)\s*$", re.M)
_FRAME = re.compile(r"\(?/sandbox/main\.js:(\d+):\d+\)?")
_ERROR = re.compile(r"^(?P<type>[A-Z]\w*(?:Error)?): ?(?P<message>.*)$", re.M)

# (error type, message pattern, words); the first match wins
_RULES: list[tuple[str, str, Words]] = [
    (
        "ReferenceError",
        r"(?P<name>[\w$]+) is not defined",
        Words(
            "JavaScript does not know this name",
            "You used `{name}`, but nothing has that name yet.",
            "Check the spelling (big and small letters matter), or make it first with "
            "`let {name} = ...`. If you meant text, put it in quotes.",
        ),
    ),
    (
        "TypeError",
        r"Cannot read propert(?:y|ies) of (?P<name>undefined|null)",
        Words(
            "Something is empty here",
            "You asked for a part of something (with a `.`), but it is `{name}`: it has no value.",
            "Check that the variable got a value first. Reading past the last input line, or "
            "past the end of a list, gives `undefined`.",
        ),
    ),
    (
        "TypeError",
        r"(?P<name>[\w$.]+) is not a function",
        Words(
            "This is not a function",
            "You wrote `{name}(...)` as if it were a function, but it is not one.",
            "Check the spelling of the function name, and that you did not give a variable the "
            "same name.",
        ),
    ),
    (
        "TypeError",
        r"Assignment to constant variable",
        Words(
            "A `const` cannot change",
            "You gave a new value to a variable made with `const`. A `const` keeps its first "
            "value forever.",
            "Make the variable with `let` instead of `const` if it needs to change.",
        ),
    ),
    (
        "SyntaxError",
        r"missing \) after argument list",
        Words(
            "A bracket `)` is missing",
            "You opened a bracket `(` for a function call but did not close it.",
            "Count the brackets on that line: every `(` needs a `)`.",
        ),
    ),
    (
        "SyntaxError",
        r"Unexpected end of input",
        Words(
            "The program ends too early",
            "A `{` or `(` is opened but never closed, so JavaScript reached the end while still "
            "waiting for it.",
            "Every `{` needs a `}`: check the ends of your `if`, loops and functions.",
        ),
    ),
    (
        "SyntaxError",
        r"Invalid or unexpected token",
        Words(
            "A quote is missing, or a strange character is here",
            "Text starts and ends with a quote. This text may start but never end.",
            'Add the closing quote, like `"hello"`. Use the same kind of quote at both ends.',
        ),
    ),
    (
        "SyntaxError",
        r"Unexpected token|Unexpected identifier|Unexpected number|Unexpected string",
        Words(
            "JavaScript cannot read this line",
            "Something on this line is not where JavaScript expects it.",
            "Look for a missing bracket, comma or `+` between the things on this line.",
        ),
    ),
    (
        "RangeError",
        r"Maximum call stack size exceeded",
        Words(
            "A function calls itself forever",
            "A function keeps calling itself and never stops.",
            "Give the function a case where it returns without calling itself again.",
        ),
    ),
]


def fill(words: Words, match: re.Match[str]) -> Words:
    """The words with `{name}`-style holes filled from the match's named groups."""

    def put(text: str) -> str:
        for key, value in match.groupdict().items():
            text = text.replace("{" + key + "}", value or "")
        return text

    return Words(put(words.title), put(words.message), put(words.hint))


def explain_javascript(stderr: str, verdict: str, age_group: str | None) -> Explanation | None:
    match = _ERROR.search(stderr)
    if match is None:
        return None
    kind, text = match["type"], match["message"].strip()
    header = _HEADER.search(stderr[: match.start()])
    frame = _FRAME.search(stderr, match.end())
    line = int(header[1]) if header else (int(frame[1]) if frame else None)
    words = next(
        (fill(w, m) for t, pattern, w in _RULES if t == kind and (m := re.search(pattern, text))),
        None,
    ) or Words(
        "The program stopped with an error",
        f"JavaScript stopped your program: {kind}.",
        "Read the line it names, and check each value on it has the type you expect.",
    )
    message = words.message if line is None else f"Line {line}: {words.message}"
    if age_group == "13-16":
        message += f" (JavaScript says: {kind}: {text})"
    return Explanation(words.title, message, line, words.hint, kind)
