"""The table of explanations: one small function per common error, tried in order.

Each rule gets the parsed error and the learner's code and returns the words to show, or None
when the error is not the kind it explains. Wording is for children: short sentences, no jargon
without saying what it means, and always a next step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .names import closest_name, known_names
from .traceback import ParsedError


@dataclass(frozen=True, slots=True)
class Words:
    title: str
    message: str
    hint: str


Rule = Callable[[ParsedError, str], Words | None]
RULES: dict[str, list[Rule]] = {}


def rule(*types: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        for name in types:
            RULES.setdefault(name, []).append(func)
        return func

    return register


def _quoted(message: str) -> str | None:
    match = re.search(r"'([^']*)'", message)
    return match[1] if match else None


# --- names ------------------------------------------------------------------------------------


@rule("NameError")
def name_error(err: ParsedError, code: str) -> Words:
    name = _quoted(err.message) or "this name"
    suggested = re.search(r"Did you mean: '([^']+)'", err.message)
    if suggested and suggested[1] in known_names(code):
        guess: str | None = suggested[1]
    else:  # Python also suggests names like `help` that only puzzle a beginner
        guess = closest_name(name, code)
    if guess:
        return Words(
            "Python does not know this name",
            f"You used `{name}`, but nothing has that name yet. Maybe it is a typo for `{guess}`?",
            f"Check the spelling: did you mean `{guess}`? Big and small letters matter.",
        )
    return Words(
        "Python does not know this name",
        f"You used `{name}`, but nothing has that name yet.",
        f"If `{name}` is a variable, give it a value first (`{name} = ...`). If you meant the "
        f'word {name}, put it in quotes: `"{name}"`.',
    )


@rule("UnboundLocalError")
def unbound_local(err: ParsedError, code: str) -> Words:
    name = _quoted(err.message) or "a variable"
    return Words(
        "A variable is used before it gets a value",
        f"Inside a function you change `{name}`, so Python treats it as the function's own "
        f"variable. But you read `{name}` before giving it a value there.",
        f"Give `{name}` a value at the start of the function, or pass it in as a parameter "
        "and return the new value.",
    )


# --- syntax -----------------------------------------------------------------------------------

_SYNTAX: list[tuple[str, Words]] = [
    (
        r"expected ':'",
        Words(
            "A colon `:` is missing",
            "Lines that start with `if`, `elif`, `else`, `for`, `while` and `def` must end "
            "with a colon.",
            "Add `:` at the end of the line, like `if x > 3:`.",
        ),
    ),
    (
        r"was never closed|unexpected EOF while parsing",
        Words(
            "A bracket is never closed",
            "You opened a bracket `(`, `[` or `{` but did not close it.",
            "Count the brackets on that line: every `(` needs a `)`, every `[` a `]`.",
        ),
    ),
    (
        r"^unmatched '|does not match opening parenthesis",
        Words(
            "A closing bracket has no partner",
            "There is a closing bracket that does not match an opening one.",
            "Remove the extra bracket, or add the missing opening one.",
        ),
    ),
    (
        r"unterminated string literal|unterminated triple-quoted string|EOL while scanning",
        Words(
            "A quote is missing",
            "Text in Python starts and ends with a quote. This text starts but never ends.",
            'Add the closing quote, like `"hello"`. Use the same kind of quote at both ends.',
        ),
    ),
    (
        r"Missing parentheses in call to 'print'",
        Words(
            "`print` needs brackets",
            "In Python 3, `print` is a function: what you print goes inside brackets.",
            'Write `print("hello")` instead of `print "hello"`.',
        ),
    ),
    (
        r"Maybe you meant '==' |cannot assign to (comparison|expression|literal|function call)",
        Words(
            "`=` and `==` are mixed up",
            "One `=` puts a value into a variable. Two `==` check if two things are equal.",
            "In an `if` or `while`, use `==` to compare: `if x == 3:`.",
        ),
    ),
    (
        r"forgot a comma",
        Words(
            "A comma is missing",
            "Two things stand next to each other with nothing between them.",
            'Put a comma between the things, like `print("Age:", age)`.',
        ),
    ),
]


@rule("SyntaxError")
def syntax_error(err: ParsedError, code: str) -> Words:
    for pattern, words in _SYNTAX:
        if re.search(pattern, err.message):
            return words
    return Words(
        "Python cannot read this line",
        "Something on this line is not written the way Python expects, so the program did "
        "not start at all.",
        "Look for a missing colon, bracket, quote or comma, or a misspelled word like `whille`.",
    )


@rule("TabError")
def tab_error(err: ParsedError, code: str) -> Words:
    return Words(
        "Tabs and spaces are mixed",
        "Some lines are pushed in with the Tab key and others with spaces. Python cannot tell "
        "how far in they are.",
        "Use only spaces: 4 spaces for each step in.",
    )


@rule("IndentationError")
def indentation_error(err: ParsedError, code: str) -> Words:
    if "expected an indented block" in err.message:
        return Words(
            "The inside of a block is missing",
            "After a line ending in `:` the next lines must be pushed in with spaces, to show "
            "they belong to it.",
            "Put 4 spaces at the start of the lines that belong inside the `if`, loop or function.",
        )
    if "unexpected indent" in err.message:
        return Words(
            "This line is pushed in too far",
            "This line starts with spaces, but it is not inside an `if`, loop or function.",
            "Remove the spaces at the start of the line so it lines up with the line above.",
        )
    return Words(
        "The spaces at the start of the line do not line up",
        "This line is pushed in by a different amount than the lines around it.",
        "Line it up exactly with the other lines of the same block (use 4 spaces per step).",
    )


# --- values and types -------------------------------------------------------------------------

_STR_INT = re.compile(
    r"can only concatenate str|unsupported operand type\(s\).*'(str|int|float)' and "
    r"'(str|int|float)'|not supported between instances of '(str|int|float)' and '(str|int|float)'"
    r"|must be str, not (int|float)|can't multiply sequence by non-int"
)


@rule("TypeError")
def type_error(err: ParsedError, code: str) -> Words | None:
    message = err.message
    if _STR_INT.search(message) and ("str" in message or "sequence" in message):
        return Words(
            "Text and numbers are mixed",
            'You tried to use text and a number together. For Python, `"5"` (text) and '
            "`5` (a number) are different things: `input()` always gives text.",
            "Turn text into a number with `int(...)`, or a number into text with `str(...)`. "
            'Or print them with a comma: `print("Total:", total)`.',
        )
    if "object is not callable" in message:
        thing = _quoted(message) or "value"
        return Words(
            "This is not a function",
            f"You put brackets `( )` after something that is a {thing}, not a function. "
            "Maybe a variable has the same name as a function, like `print = 5`?",
            "Rename the variable, or remove the brackets after it.",
        )
    if re.search(
        r"takes \d+ positional arguments? but \d+ (was|were) given|missing \d+ "
        r"required positional argument",
        message,
    ):
        return Words(
            "Wrong number of values for a function",
            "A function got a different number of values than it has parameters.",
            "Compare the call with the `def` line: give one value for each parameter.",
        )
    if "has no len()" in message:
        return Words(
            "This has no length",
            "`len( )` counts the items of text or a list, but you gave it a number.",
            "To count digits, use `len(str(number))`.",
        )
    if "'NoneType'" in message:
        return _none_words()
    return None


@rule("ValueError")
def value_error(err: ParsedError, code: str) -> Words | None:
    literal = re.search(r"invalid literal for int\(\) with base \d+: '(.*)'$", err.message)
    if literal is not None:
        text = literal[1]
        if text == "":
            detail = "The line it got was empty."
            hint = "Check that you read the right line: maybe there is one `input()` too many."
        elif re.fullmatch(r"\s*-?\d*\.\d*\s*", text):
            detail = f"`{text}` has a decimal point, and `int` only takes whole numbers."
            hint = "Use `float(...)` for numbers with a decimal point."
        elif len(text.split()) > 1:
            detail = f"`{text}` holds more than one number."
            hint = "Split the line first: `numbers = [int(x) for x in input().split()]`."
        else:
            detail = f"`{text}` is not a whole number."
            hint = "Only turn text into a number when it really holds digits."
        return Words(
            "This text is not a whole number", f"`int( )` could not read it. {detail}", hint
        )
    if "could not convert string to float" in err.message:
        return Words(
            "This text is not a number",
            "`float( )` could only read text that looks like a number, like `3.5`.",
            "Check which line you read, and that it holds one number.",
        )
    if re.search(r"(too many|not enough) values to unpack", err.message):
        return Words(
            "Wrong number of values to unpack",
            "You wrote `a, b = ...` but the right side has a different number of values.",
            "Use as many names on the left as there are values on the right.",
        )
    return None


def _none_words() -> Words:
    return Words(
        "Something is `None`",
        "A value you used is `None`: nothing. That often happens when a function has no "
        "`return`, or with `x = my_list.sort()` (sort changes the list and gives back None).",
        "Check that your function ends with `return`, and call `sort()` on its own line.",
    )


@rule("AttributeError")
def attribute_error(err: ParsedError, code: str) -> Words:
    if "'NoneType'" in err.message:
        return _none_words()
    found = re.search(r"'(\w+)' object has no attribute '(\w+)'", err.message)
    kind, attribute = (found[1], found[2]) if found else ("value", "this")
    suggested = re.search(r"Did you mean: '([^']+)'", err.message)
    extra = f" Did you mean `.{suggested[1]}`?" if suggested else ""
    return Words(
        f"A {kind} cannot do `.{attribute}`",
        f"You wrote `.{attribute}` after a {kind}, but a {kind} has nothing called "
        f"`{attribute}`.{extra}",
        "Check the spelling, and that the value is what you think it is (text, a list, ...).",
    )


# --- lists, dictionaries, numbers -------------------------------------------------------------


@rule("IndexError")
def index_error(err: ParsedError, code: str) -> Words:
    what = "text" if "string" in err.message else "list"
    return Words(
        f"That position is not in the {what}",
        f"You asked for a position that the {what} does not have. Positions start at 0, so a "
        f"{what} of 3 items has positions 0, 1 and 2.",
        "Use `len(...)` to check the length. The last item is at `[-1]`. An empty list has "
        "no items at all.",
    )


@rule("KeyError")
def key_error(err: ParsedError, code: str) -> Words:
    key = err.message or "this key"
    return Words(
        "That key is not in the dictionary",
        f"You looked up {key}, but the dictionary has no such key.",
        "Check the spelling (big and small letters matter), use `key in my_dict` first, or "
        "`my_dict.get(key, default)`.",
    )


@rule("ZeroDivisionError")
def zero_division(err: ParsedError, code: str) -> Words:
    return Words(
        "Dividing by zero",
        "You divided by 0 (with `/`, `//` or `%`). Nobody can share things into 0 groups, not "
        "even a computer.",
        "Check the number you divide by. Use `if n != 0:` before dividing.",
    )


@rule("EOFError")
def eof_error(err: ParsedError, code: str) -> Words:
    return Words(
        "There is nothing more to read",
        "`input()` waited for a line, but all the input was already used up (or there was none).",
        "Count your `input()` calls: read only as many lines as the problem gives. When you "
        "press Run, type the input in the input box.",
    )


@rule("RecursionError")
def recursion_error(err: ParsedError, code: str) -> Words:
    return Words(
        "A function calls itself forever",
        "A function keeps calling itself and never stops, until Python gives up.",
        "Add a base case: an `if` that returns without calling the function again, and make "
        "each call work on a smaller value.",
    )


@rule("ModuleNotFoundError", "ImportError")
def import_error(err: ParsedError, code: str) -> Words:
    name = _quoted(err.message) or "this module"
    return Words(
        "This module is not available",
        f"`{name}` cannot be imported here. Only Python's standard library (like `math`, "
        "`random` and `itertools`) is available.",
        "Check the spelling, or solve the problem without this module.",
    )


@rule("MemoryError")
def memory_error(err: ParsedError, code: str) -> Words:
    return Words(
        "Out of memory",
        "The program tried to keep too much in memory, like a giant list.",
        "Keep fewer things at once, or check that a loop does not add to a list forever.",
    )


def generic(err: ParsedError) -> Words:
    return Words(
        "Python stopped with an error",
        f"Python stopped the program with a {err.type}.",
        "Read the last line of the error message, and check the line it points to.",
    )
