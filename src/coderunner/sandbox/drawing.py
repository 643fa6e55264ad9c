"""Reading a run's turtle drawing from its channel (untrusted: the program can write anything).

The channel is a pipe of its own (never stdout): `python_turtle.py` writes one JSON array per
line. Here each line is checked against the shapes below; a line that is not one of them (a
forgery, a half-written line) is dropped, and a number that is not finite or is too far
away drops its line too. At most DRAWING_BYTES are read and LIMIT steps kept: past either the
run ends and the drawing is marked `truncated`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from typing import Any

from .result import RunResult, Verdict

LIMIT = 100_000  # steps: a line, a dot, a text, a corner of a fill
DRAWING_BYTES = 8 << 20
_TURTLES = 1000  # final turtle positions kept
_FAR = 1e7
_TEXT = 500
_COLOUR = re.compile(r"#[0-9a-f]{6}")
_SHAPES = {"arrow", "turtle", "circle", "square", "triangle", "classic", "blank"}
TOO_BIG = (
    "\nYour drawing got too big to show: more than {limit:,} lines, dots and words. "
    "Does a loop go round forever? Make it stop sooner, or draw less.\n"
)


def _reject(_: str) -> Any:
    raise ValueError("not a finite number")


def _num(value: object, low: float = -_FAR, high: float = _FAR) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )


def _colour(value: object) -> bool:
    return isinstance(value, str) and _COLOUR.fullmatch(value) is not None


def _valid(item: object) -> int:
    """How many steps the item counts for; 0 when it is not a drawing command."""
    if not isinstance(item, list) or not item or not isinstance(item[0], str):
        return 0
    kind, args = item[0], item[1:]
    if kind == "L" and len(args) == 6:
        ok = all(_num(v) for v in args[:4]) and _num(args[4], 0, 1000) and _colour(args[5])
        return 1 if ok else 0
    if kind == "F" and len(args) == 2 and isinstance(args[0], list) and _colour(args[1]):
        points = args[0]
        ok = len(points) > 2 and all(
            isinstance(p, list) and len(p) == 2 and _num(p[0]) and _num(p[1]) for p in points
        )
        return len(points) if ok else 0
    if kind == "D" and len(args) == 4:
        ok = _num(args[0]) and _num(args[1]) and _num(args[2], 0, 10000) and _colour(args[3])
        return 1 if ok else 0
    if kind == "W" and len(args) == 6:
        x, y, text, colour, align, size = args
        ok = (
            _num(x)
            and _num(y)
            and isinstance(text, str)
            and len(text) <= _TEXT
            and _colour(colour)
            and align in ("left", "center", "right")
            and _num(size, 1, 200)
        )
        return 1 if ok else 0
    if kind == "B" and len(args) == 1 and _colour(args[0]):
        return 1
    if kind == "P" and len(args) == 2 and _num(args[0], 10, 5000) and _num(args[1], 10, 5000):
        return 1
    if kind == "N" and len(args) == 1 and isinstance(args[0], str) and len(args[0]) <= 100:
        return 1
    return 0


def _turtle(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 7
        and item[0] == "T"
        and _num(item[1])
        and _num(item[2])
        and _num(item[3], 0, 360)
        and item[4] in _SHAPES
        and isinstance(item[5], bool)
        and _colour(item[6])
    )


def parse_drawing(raw: bytes, exceeded: bool = False) -> dict[str, Any] | None:
    """The drawing a run sent: {"commands": [...], "turtles": [...], "truncated": bool}.

    None when the program drew nothing (did not use turtle). `exceeded`: the channel sent more
    than DRAWING_BYTES (its last line is then cut, and dropped).
    """
    if not raw:
        return None
    commands: list[list[Any]] = []
    turtles: list[list[Any]] = []
    steps = 0
    truncated = exceeded
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            item = json.loads(line, parse_constant=_reject)
        except (ValueError, RecursionError):
            continue
        if _turtle(item):
            if len(turtles) < _TURTLES:
                turtles.append(item[1:])
            continue
        count = _valid(item)
        if not count:
            continue
        if steps + count > LIMIT:
            truncated = True
            break
        steps += count
        commands.append(item)
    if not commands and not turtles and not truncated:
        return None
    return {"commands": commands, "turtles": turtles, "truncated": truncated}


def with_drawing(result: RunResult, raw: bytes, exceeded: bool) -> RunResult:
    """The run's result with its drawing; a drawing over the limits ends as too much output."""
    drawing = parse_drawing(raw, exceeded)
    if drawing is None:
        return result
    if not drawing["truncated"] or result.verdict is Verdict.INTERNAL_ERROR:
        return replace(result, drawing=drawing)
    return replace(
        result,
        drawing=drawing,
        verdict=Verdict.OUTPUT_LIMIT_EXCEEDED,
        truncated=True,
        stderr=result.stderr + TOO_BIG.format(limit=LIMIT),
    )
