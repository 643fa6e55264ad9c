"""The Python constructs each level of each track teaches, and the check that content keeps to them.

`constructs.yaml` lists, per track and level, the constructs that level introduces; a level may
use what it and the levels before it in the same track introduce. `used(code)` names every
construct a program uses, read from its AST: calls of builtins (`len()`), method calls
(`.split()`), keyword arguments (`end=`) and syntax (`for`, `slice`, `list comprehension`...).
`content check` runs it on every reference solution, starter code, hint snippet and cheatsheet
example; `docs/curriculum.md` shows the same table (a test keeps them equal).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONSTRUCTS_FILE = Path(__file__).parent / "constructs.yaml"
_BUILTINS = frozenset(dir(builtins))
# `itertools.accumulate(...)` is a function of a module (the `import` construct), not a method
_MODULES = frozenset({"itertools", "functools", "math", "statistics", "collections", "random"})

_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_NODES: dict[type[ast.AST], str] = {
    ast.For: "for",
    ast.While: "while",
    ast.Break: "break",
    ast.Continue: "continue",
    ast.FunctionDef: "def",
    ast.Return: "return",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.GeneratorExp: "generator expression",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.List: "list",
    ast.JoinedStr: "f-string",
    ast.AugAssign: "+=",
    ast.Starred: "star",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expression",
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Try: "try",
    ast.Assign: "=",
}


def _targets(node: ast.Assign | ast.For | ast.comprehension) -> list[ast.expr]:
    return list(node.targets) if isinstance(node, ast.Assign) else [node.target]


def _if(node: ast.If) -> Iterator[str]:
    yield "if"
    if node.orelse:
        chained = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
        yield "elif" if chained else "else"


def _call(node: ast.Call) -> Iterator[str]:
    func = node.func
    if isinstance(func, ast.Name) and func.id in _BUILTINS:
        yield f"{func.id}()"
    elif isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        if owner == "turtle":
            yield "turtle"  # turtle.forward(100): one construct for all of turtle
        else:
            yield "import" if owner in _MODULES else f".{func.attr}()"
    for keyword in node.keywords:
        if keyword.arg is not None:
            yield f"{keyword.arg}="


def _compare(node: ast.Compare) -> Iterator[str]:
    if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
        yield "in"
    if len(node.ops) > 1:
        yield "chained comparison"


def _shaped(node: ast.AST) -> Iterator[str]:
    """The constructs a node's kind alone does not name: they depend on its parts."""
    if isinstance(node, ast.If):
        yield from _if(node)
    elif isinstance(node, ast.Call):
        yield from _call(node)
    elif isinstance(node, ast.Compare):
        yield from _compare(node)
    elif isinstance(node, ast.Subscript):
        yield "slice" if isinstance(node.slice, ast.Slice) else "index"
    elif isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        yield _OPERATORS[type(node.op)]
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not"
    elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        yield "format spec"
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
        yield "decorator"


def _walk(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        name = _NODES.get(type(node))
        if isinstance(node, ast.Import) and all(a.name == "turtle" for a in node.names):
            name = "turtle"  # `import turtle` is taught with drawing, before other imports
        if name is not None:
            yield name
        yield from _shaped(node)
        if isinstance(node, ast.Assign | ast.For | ast.comprehension) and any(
            isinstance(target, ast.Tuple | ast.List) for target in _targets(node)
        ):
            yield "unpacking"


def used(tree: ast.AST) -> set[str]:
    """Every construct `tree` uses (names as in `constructs.yaml`)."""
    return set(_walk(tree))


@dataclass(frozen=True)
class ConstructsTable:
    """Per track, the constructs each level introduces (level 1 first)."""

    tracks: dict[str, list[list[str]]]
    titles: dict[str, list[str]]

    def allowed(self, track: str, level: int) -> set[str]:
        levels = self.tracks.get(track, [])
        return {name for introduced in levels[:level] for name in introduced}

    def introduced_in(self, track: str, construct: str) -> int | None:
        for number, introduced in enumerate(self.tracks.get(track, []), start=1):
            if construct in introduced:
                return number
        return None

    def too_early(self, tree: ast.AST, track: str, level: int) -> list[str]:
        """The constructs `tree` uses that `track` has not taught by `level`, explained."""
        found = []
        for name in sorted(used(tree) - self.allowed(track, level)):
            later = self.introduced_in(track, name)
            when = f"level {later}" if later is not None else "no level"
            found.append(f"`{name}` (track {track} teaches it in {when})")
        return found


def load_constructs(path: Path = CONSTRUCTS_FILE) -> ConstructsTable:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    tracks = {
        str(track): [list(level["introduces"]) for level in levels]
        for track, levels in data["tracks"].items()
    }
    titles = {
        str(track): [str(level["title"]) for level in levels]
        for track, levels in data["tracks"].items()
    }
    return ConstructsTable(tracks, titles)


def markdown_table(table: ConstructsTable) -> str:
    """The table as it appears in docs/curriculum.md."""
    lines = ["| Track | Level | Introduces |", "| --- | --- | --- |"]
    for track, levels in table.tracks.items():
        for number, introduced in enumerate(levels, start=1):
            names = ", ".join(f"`{name}`" for name in introduced)
            title = table.titles[track][number - 1]
            lines.append(f"| {track} | {number}: {title} | {names} |")
    return "\n".join(lines) + "\n"
