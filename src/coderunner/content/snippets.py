"""The code inside hints and cheatsheets: finding it, and whether it is valid Python.

A fenced block (```python ... ```) is always code. An inline span (`like this`) is code when it
starts with a statement keyword (`for n in numbers:`) or a decorator; one that only names a
keyword (`if`, `if/elif/else`), an operator (`//`) or an example value (`9 10`) is not.
"""

from __future__ import annotations

import ast
import keyword
import re

_FENCED = re.compile(r"```[ \t]*(?:python|py)?[ \t]*\n(.*?)```", re.S)
_FENCED_PYTHON = re.compile(r"```[ \t]*python[ \t]*\n(.*?)```", re.S)
_INLINE = re.compile(r"`([^`\n]+)`")
_STATEMENT_WORDS = frozenset(
    {"if", "elif", "else", "for", "while", "def", "return", "import", "from", "with", "try"}
)
_CONTINUATIONS = ("elif", "else")


def fenced_blocks(markdown: str) -> list[str]:
    """Every fenced code block (python or unlabelled)."""
    return _FENCED.findall(markdown)


def python_blocks(markdown: str) -> list[str]:
    """The ```python blocks of a cheatsheet (its runnable examples)."""
    return _FENCED_PYTHON.findall(markdown)


def _names_keywords(span: str) -> bool:
    words = [word for word in re.split(r"[/,]", span) if word]
    return " " not in span and all(keyword.iskeyword(word) for word in words)


def inline_code(markdown: str) -> list[str]:
    """The inline spans that are statements (the ones a child may copy into the editor)."""
    prose = _FENCED.sub("", markdown)
    found = []
    for span in _INLINE.findall(prose):
        text = span.strip()
        first = re.split(r"[\s(:]", text, maxsplit=1)[0]
        if _names_keywords(text):
            continue
        if first in _STATEMENT_WORDS or text.startswith("@"):
            found.append(text)
    return found


def code_snippets(markdown: str) -> list[str]:
    return [*fenced_blocks(markdown), *inline_code(markdown)]


def _completed(snippet: str) -> str:
    """A snippet made into a whole program: a body after a header, a head before `else:`."""
    text = snippet.strip("\n")
    first = text.lstrip().split(maxsplit=1)[0].rstrip(":") if text.strip() else ""
    if first in _CONTINUATIONS:
        text = "if x:\n    pass\n" + text
    if text.startswith("@"):
        text += "\ndef f():\n    pass"
    if text.rstrip().endswith(":"):
        text += "\n    pass"
    return text


def syntax_error(snippet: str) -> str | None:
    """Why `snippet` is not valid Python (as a statement or a block), or None when it is."""
    try:
        ast.parse(_completed(snippet))
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    return None


def parse_snippet(snippet: str) -> ast.Module | None:
    try:
        return ast.parse(_completed(snippet))
    except SyntaxError:
        return None


class _ReadInputs(ast.NodeTransformer):
    """Replace example values with reads from the input, in the order Python evaluates them."""

    def __init__(self) -> None:
        self.changed = False

    @staticmethod
    def _call(text: str) -> ast.expr:
        return ast.parse(text, mode="eval").body

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis or value in (0, 1):
            return node  # a start value (`total = 0`, `n + 1`), not an example
        self.changed = True
        if isinstance(value, int):
            return self._call("int(input())")
        if isinstance(value, float):
            return self._call("float(input())")
        if isinstance(value, str):
            return self._call("input()")
        return node

    def _sequence(self, node: ast.List | ast.Tuple) -> ast.expr:
        values = [elt.value for elt in node.elts if isinstance(elt, ast.Constant)]
        if len(values) == len(node.elts) >= 2:
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                self.changed = True
                return self._call("[int(x) for x in input().split()]")
            if all(isinstance(v, str) for v in values):
                self.changed = True
                return self._call("input().split()")
        self.generic_visit(node)
        return node

    def visit_List(self, node: ast.List) -> ast.expr:
        return self._sequence(node)

    def visit_Tuple(self, node: ast.Tuple) -> ast.expr:
        return self._sequence(node)


def with_inputs(code: str) -> str | None:
    """`code` with its example values read from the input instead, or None if it has none.

    Values assigned at the top level (`year = 2024`, but not a start value 0 or 1) and the
    arguments of the example's own functions (`print(biggest(3, 9, 4))`) become
    `int(input())`, `input()` or a line of numbers; what it prints (`print("leap year")`)
    stays. This is the program a child gets by pasting the example and reading the input.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    own = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    reader = _ReadInputs()
    for statement in tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            statement.value = reader.visit(statement.value)
            continue
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in own
            ):
                node.args = [reader.visit(arg) for arg in node.args]
    if not reader.changed:
        return None
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def code_trees(markdown: str) -> list[ast.Module]:
    """Every piece of code in `markdown` that is Python: fenced blocks and inline spans that
    parse (`sorted(words, key=len)`, but not `9 10` or `//`). The constructs check reads these."""
    prose = _FENCED.sub("", markdown)
    spans = [span.strip() for span in _INLINE.findall(prose)]
    trees = [parse_snippet(text) for text in [*fenced_blocks(markdown), *spans]]
    return [tree for tree in trees if tree is not None]
