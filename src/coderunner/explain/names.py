"""Names a learner's code uses, for "did you mean ...?" suggestions."""

from __future__ import annotations

import ast
import difflib
import keyword
import re

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# builtins a learner may have meant (not `help`, `hex`, `iter`, ... that only distract)
COMMON_BUILTINS = frozenset(
    [
        "print", "input", "int", "float", "str", "len", "range", "list", "dict", "set",
        "tuple", "sum", "min", "max", "abs", "round", "sorted", "reversed", "enumerate",
        "zip", "type", "bool", "map", "filter", "any", "all", "True", "False", "None",
    ]
)  # fmt: skip


def names_in(code: str) -> set[str]:
    """Every name the code defines or uses (falls back to a regex when it does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {word for word in _IDENTIFIER.findall(code) if not keyword.iskeyword(word)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
    return found


def known_names(code: str) -> set[str]:
    return names_in(code) | COMMON_BUILTINS


def closest_name(name: str, code: str) -> str | None:
    """The known name most like `name` (a typo's likely meaning), or None."""
    candidates = known_names(code) - {name}
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:  # Print -> print
        return lowered[name.lower()]
    matches = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return matches[0] if matches else None
