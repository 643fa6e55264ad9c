"""Rules a problem's statement sets on the code ("without max", "write `gcd(a, b)`"), checked
with the AST before the code runs.

`rule_breaks(code, rules)` takes the rules as stored (`{forbiddenNames, requiredDefs,
recursiveDefs}`, camelCase)
and returns one `RuleBreak` per broken rule, each with a message a child can act on. Code that
does not parse breaks no rule here: running it shows the learner their syntax error instead.

A forbidden builtin (`max`) is caught as a name (`max(xs)`, `f = max`), as an attribute
(`xs.sort()` for `sort`, `builtins.max`), through `getattr(x, "max")` and inside `eval`/`exec`
strings; a learner's own `def max(...)` is their own code and allowed. A plain name that is
not a builtin (`index`, `sort`) is a method and caught only as an attribute. A dotted name
(`math.gcd`) is caught however it is imported (`import math as m; m.gcd`, `from math import
gcd as g`, `from math import *`). A required def must be defined and called; a recursive def
must also call itself inside its own body.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FORBIDDEN = "forbidden"
REQUIRED_DEF = "requiredDef"
RECURSIVE = "recursive"
_EVALUATORS = frozenset({"eval", "exec", "compile"})
_BUILTINS = frozenset(dir(builtins))

# what the puzzle is about, for the names children are most often asked to do without
_FRIENDLY: dict[str, str] = {
    "max": "find the biggest number without using max(). Try comparing the numbers yourself "
    "with if!",
    "min": "find the smallest number without using min(). Try comparing the numbers yourself "
    "with if!",
    "sorted": "put things in order without using sorted(). Try doing it step by step with a loop!",
    "sort": "put things in order without using .sort(). Try doing it step by step with a loop!",
    "sum": "add the numbers up without using sum(). Try a loop that keeps a total!",
    "bin": "make the binary digits yourself, without bin(). Try dividing by 2 again and again!",
    "format": "make the digits yourself, without format(). Try dividing again and again!",
    "math.gcd": "find the greatest common divisor yourself, without math.gcd. Try Euclid's rule!",
    "index": "search the list yourself, without .index(). Try looking at the middle first!",
    "reversed": "turn it around without using reversed(). Try a loop that goes backwards!",
    "reverse": "turn it around without using .reverse(). Try a loop that goes backwards!",
    "lru_cache": "remember the answers yourself, without lru_cache. Try a dictionary!",
    "functools.cache": "remember the answers yourself, without cache. Try a dictionary!",
    "functools.lru_cache": "remember the answers yourself, without lru_cache. Try a dictionary!",
    "cache": "remember the answers yourself, without cache. Try a dictionary!",
}


@dataclass(frozen=True, slots=True)
class RuleBreak:
    rule: str  # FORBIDDEN or REQUIRED_DEF
    name: str
    message: str


def forbidden_message(name: str) -> str:
    friendly = _FRIENDLY.get(name)
    if friendly is not None:
        return f"This puzzle asks you to {friendly}"
    shown = name if "." in name else f"{name}()"
    return (
        f"This puzzle asks you to solve it without using {shown}. "
        "Try doing that part yourself, step by step!"
    )


def missing_def_message(name: str) -> str:
    return f"This puzzle asks you to write a function called {name}. Start a line with: def {name}("


def unused_def_message(name: str) -> str:
    return f"You wrote the function {name}, but your program never uses it. Call {name}(...)!"


def not_recursive_message(name: str) -> str:
    return (
        f"This puzzle asks for a recursive {name}: it should call itself on a smaller piece. "
        f"Try a call to {name}(...) inside {name}!"
    )


def _calls_itself(tree: ast.AST, name: str) -> bool:
    """Whether a `def name` in `tree` calls `name` inside its own body."""
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name == name
        and any(
            isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == name
            for statement in node.body
            for call in ast.walk(statement)
        )
        for node in ast.walk(tree)
    )


def _dotted(node: ast.expr) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"], or None when the chain does not start with a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


class _Finder(ast.NodeVisitor):
    def __init__(self, forbidden: set[str]) -> None:
        self.forbidden = forbidden
        self.plain = {name for name in forbidden if "." not in name}
        # a plain name that is not a builtin (`index`, `sort`) is a method: a learner's own
        # variable called `index` is fine, `.index(...)` is not
        self.bare = {name for name in self.plain if name in _BUILTINS}
        self.aliases: dict[str, str] = {}  # local name -> dotted module path
        self.star_modules: list[str] = []
        self.own_defs: set[str] = set()
        self.called: set[str] = set()
        self.found: list[str] = []

    def hit(self, name: str) -> None:
        if name not in self.found:
            self.found.append(name)

    def resolve(self, name: str) -> list[str]:
        if name in self.aliases:
            return [self.aliases[name]]
        return [name, *(f"{module}.{name}" for module in self.star_modules)]

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top
            if alias.name in self.forbidden:
                self.hit(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                self.star_modules.append(module)
                continue
            full = f"{module}.{alias.name}" if module else alias.name
            self.aliases[alias.asname or alias.name] = full
            if full in self.forbidden or alias.name in self.plain:
                self.hit(full if full in self.forbidden else alias.name)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.own_defs.add(node.name)
        self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.own_defs.add(node.name)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            for name in self.resolve(node.id):
                if name == node.id and (name in self.own_defs or name not in self.bare):
                    continue
                if name in self.forbidden:
                    self.hit(name)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in self.plain:
            self.hit(node.attr)
        parts = _dotted(node)
        if parts is not None:
            for base in self.resolve(parts[0]):
                full = ".".join([base, *parts[1:]])
                if full in self.forbidden:
                    self.hit(full)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self.called.add(func.id)
            strings = [a.value for a in node.args if isinstance(a, ast.Constant)]
            texts = [s for s in strings if isinstance(s, str)]
            if func.id == "getattr" and len(node.args) >= 2:
                attr = node.args[1]
                if isinstance(attr, ast.Constant) and attr.value in self.plain:
                    self.hit(str(attr.value))
            elif func.id in _EVALUATORS:
                for text in texts:
                    self.visit_source(text)
        elif isinstance(func, ast.Attribute):
            self.called.add(func.attr)
        self.generic_visit(node)

    def visit_source(self, text: str) -> None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return
        self.visit(tree)


def _names(rules: Mapping[str, Any], key: str) -> list[str]:
    value = rules.get(key) or []
    return [str(item) for item in value] if isinstance(value, Iterable) else []


def rule_breaks(code: str, rules: Mapping[str, Any] | None) -> list[RuleBreak]:
    """Every rule of `rules` that `code` breaks, in the order the rules are written."""
    if not rules:
        return []
    forbidden = _names(rules, "forbiddenNames")
    recursive = _names(rules, "recursiveDefs")  # required defs that must call themselves
    required = [name for name in _names(rules, "requiredDefs") if name not in recursive]
    if not forbidden and not required and not recursive:
        return []
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    finder = _Finder(set(forbidden))
    finder.visit(tree)
    breaks = [
        RuleBreak(FORBIDDEN, name, forbidden_message(name))
        for name in forbidden
        if name in finder.found
    ]
    for name in [*required, *recursive]:
        if name not in finder.own_defs:
            breaks.append(RuleBreak(REQUIRED_DEF, name, missing_def_message(name)))
        elif name not in finder.called:
            breaks.append(RuleBreak(REQUIRED_DEF, name, unused_def_message(name)))
        elif name in recursive and not _calls_itself(tree, name):
            breaks.append(RuleBreak(RECURSIVE, name, not_recursive_message(name)))
    return breaks


def first_rule_break(code: str, rules: Mapping[str, Any] | None) -> RuleBreak | None:
    breaks = rule_breaks(code, rules)
    return breaks[0] if breaks else None


# --- maxComparisons: counted inside the sandbox on the hidden tests -----------------------------

COMPARISONS_MARKER = "__coderunner_comparisons__"

# Put before the learner's code on hidden tests only (their tracebacks are never shown, so the
# shifted line numbers do not matter). `int` makes numbers that count every comparison made with
# them (`<`, `==`, `in`, `.index()`, `sorted`...); the count goes to stderr when the program ends.
_PROLOGUE = f"""\
import atexit as _cr_atexit, sys as _cr_sys
_cr_count = [0]
_cr_int = int
class _CrInt(_cr_int):
    __hash__ = _cr_int.__hash__
    def __lt__(self, other):
        _cr_count[0] += 1
        return _cr_int.__lt__(self, other)
    def __le__(self, other):
        _cr_count[0] += 1
        return _cr_int.__le__(self, other)
    def __gt__(self, other):
        _cr_count[0] += 1
        return _cr_int.__gt__(self, other)
    def __ge__(self, other):
        _cr_count[0] += 1
        return _cr_int.__ge__(self, other)
    def __eq__(self, other):
        _cr_count[0] += 1
        return _cr_int.__eq__(self, other)
    def __ne__(self, other):
        _cr_count[0] += 1
        return _cr_int.__ne__(self, other)
int = _CrInt
_cr_atexit.register(lambda: print("\\n{COMPARISONS_MARKER}", _cr_count[0], file=_cr_sys.stderr))
"""


def max_comparisons(rules: Mapping[str, Any] | None) -> int | None:
    value = (rules or {}).get("maxComparisons")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def counting_comparisons(code: str) -> str:
    """`code` with numbers from `int(...)` counting the comparisons made with them."""
    return _PROLOGUE + code


def comparisons_made(stderr: str) -> int | None:
    """The count the prologue reported, or None when the program did not end normally."""
    for line in reversed(stderr.splitlines()):
        if line.startswith(COMPARISONS_MARKER):
            try:
                return int(line.split()[1])
            except (IndexError, ValueError):
                return None
    return None


def too_many_comparisons_message(made: int | None, allowed: int) -> str:
    looked = f"compared {made} numbers" if made is not None else "did not finish its search"
    return (
        f"This puzzle asks for binary search: your program {looked}, but binary search needs "
        f"at most {allowed}. Look in the middle first, then throw away the half you don't need!"
    )
