"""Explanations of Java errors: javac's first error (a COMPILATION_ERROR) or the uncaught
exception of the run, the line of Main.java, and a table of beginners' most common mistakes."""

from __future__ import annotations

import re

from coderunner.kernel.verdicts import Verdict

from .javascript import fill
from .model import Explanation
from .rules import Words

_COMPILE = re.compile(r"^/sandbox/Main\.java:(?P<line>\d+): error: (?P<message>.*)$", re.M)
_UNCAUGHT = re.compile(
    r'^Exception in thread "main" (?P<type>[\w.$]+)(?::\s*(?P<message>.*))?$', re.M
)
_FRAME = re.compile(r"\(Main\.java:(\d+)\)")

_SYMBOL = Words(
    "Java does not know this name",
    "You used a name Java does not know: `{name}`.",
    "Check the spelling (big and small letters matter: `String`, `System`), and make variables "
    "before you use them, like `int x = 0;`.",
)
_COMPILER: list[tuple[str, Words]] = [
    (
        r"package (?P<name>\w+) does not exist",
        Words(
            "Java does not know this name",
            "Java does not know `{name}`. It is often a typo in `System`.",
            "Check the spelling, like `System.out.println(...)`.",
        ),
    ),
    (
        r"';' expected",
        Words(
            "A semicolon `;` is missing",
            "In Java most lines end with `;`.",
            "Add `;` at the end of the line above the arrow, like `int x = 1;`.",
        ),
    ),
    (
        r"class (?P<name>\w+) is public, should be declared in a file named",
        Words(
            "The class must be called Main",
            "Your program is saved as `Main.java`, so its public class must be called `Main`, "
            "not `{name}`.",
            "Write `public class Main {` at the top.",
        ),
    ),
    (
        r"incompatible types: (?P<name>.*)",
        Words(
            "The kinds of value do not match",
            "You put one kind of value where another is needed: {name}.",
            "Use the right type: `int` for whole numbers, `double` for decimals, `String` for "
            "text. `Integer.parseInt(text)` turns text into a number.",
        ),
    ),
    (
        r"unclosed string literal",
        Words(
            "A quote is missing",
            'Text in Java starts and ends with `"`. This text starts but never ends.',
            'Add the closing quote, like `"hello"`.',
        ),
    ),
    (
        r"variable (?P<name>\w+) might not have been initialized",
        Words(
            "A variable has no value yet",
            "You read `{name}` before giving it a value.",
            "Give it a value when you make it, like `int {name} = 0;`.",
        ),
    ),
    (
        r"missing return statement",
        Words(
            "The method does not always return",
            "This method promises to give back a value, but some way through it ends without "
            "`return`.",
            "Add a `return` at the end of the method, after your `if`s and loops.",
        ),
    ),
    (
        r"reached end of file while parsing|'\}' expected"
        r"|class, interface, enum, or record expected",
        Words(
            "The curly brackets do not match",
            "A `{` is never closed with `}`, or there is one `}` too many.",
            "Every `{` needs a `}`: check the ends of your `if`, loops, methods and class.",
        ),
    ),
]

_EXCEPTIONS: list[tuple[str, Words]] = [
    (
        r"ArrayIndexOutOfBoundsException|StringIndexOutOfBoundsException|IndexOutOfBoundsException",
        Words(
            "Past the end of the list",
            "You asked for a place that does not exist. Places start at 0, so the last one is "
            "the length minus 1.",
            "Check your loop: `i < a.length`, not `i <= a.length`.",
        ),
    ),
    (
        r"NullPointerException",
        Words(
            "Something is empty here",
            "You used something that has no value yet (`null`).",
            "Give it a value before you use it, for example with `new`.",
        ),
    ),
    (
        r"ArithmeticException",
        Words(
            "Dividing by zero",
            "Your program divided a whole number by zero, which has no answer.",
            "Check the number is not 0 before you divide by it.",
        ),
    ),
    (
        r"NumberFormatException|InputMismatchException",
        Words(
            "This is not a number",
            "Your program tried to read a number, but the input was not one.",
            "Check which input line you read: read text with `nextLine()` and numbers with "
            "`nextInt()`, in the order they come.",
        ),
    ),
    (
        r"NoSuchElementException",
        Words(
            "There is no more input",
            "Your program asked for more input, but all of it was already read.",
            "Read exactly as many values as the puzzle gives you.",
        ),
    ),
    (
        r"StackOverflowError",
        Words(
            "A method calls itself forever",
            "A method keeps calling itself and never stops.",
            "Give the method a case where it returns without calling itself again.",
        ),
    ),
]


def explain_java(stderr: str, verdict: str, age_group: str | None) -> Explanation | None:
    if verdict == Verdict.COMPILATION_ERROR:
        found = _COMPILE.search(stderr)
        if found is None:
            return None
        text, kind = found["message"].strip(), "CompilationError"
        line: int | None = int(found["line"])
        if text.startswith("cannot find symbol"):
            symbol = re.search(r"symbol:\s+\w+\s+(\S+)", stderr[found.end() :])
            name = symbol[1] if symbol else "?"
            words: Words | None = Words(
                _SYMBOL.title, _SYMBOL.message.replace("{name}", name), _SYMBOL.hint
            )
        else:
            words = next(
                (fill(w, m) for pattern, w in _COMPILER if (m := re.search(pattern, text))), None
            )
        words = words or Words(
            "Java cannot read this line",
            "Something on this line is not written the way Java expects, so the program did "
            "not start.",
            "Look for a missing `;`, bracket or quote, or a misspelled word.",
        )
        says = f"error: {text}"
    else:
        found = _UNCAUGHT.search(stderr)
        if found is None:
            return None
        kind = found["type"].rsplit(".", 1)[-1]
        text = (found["message"] or "").strip()
        frame = _FRAME.search(stderr, found.end())
        line = int(frame[1]) if frame else None
        words = next((w for pattern, w in _EXCEPTIONS if re.search(pattern, kind)), None) or Words(
            "The program stopped with an error",
            f"Java stopped your program: {kind}.",
            "Read the line it names, and check each value on it.",
        )
        says = f"{kind}: {text}" if text else kind
    message = words.message if line is None else f"Line {line}: {words.message}"
    if age_group == "13-16":
        message += f" (Java says: {says})"
    return Explanation(words.title, message, line, words.hint, kind)
