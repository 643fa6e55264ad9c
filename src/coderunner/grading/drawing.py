"""Comparing two turtle drawings (the learner's and the reference solution's): pure functions.

A drawing is what `sandbox.drawing.parse_drawing` returns. Two drawings are the same picture
when, after `normalise`, they have the same lines, fills, dots and text, and (when colours
matter) the same background. The normalisation forgets how the picture was drawn:
- order: the parts are compared as sorted lists (a multiset), not in drawing order;
- direction: a line from A to B is the line from B to A;
- splitting: lines of one colour on one straight line that touch or overlap are joined into one
  (two half sides make a side; a side drawn twice is one side); zero-length lines are dropped;
- tiny float differences: coordinates are compared within TOLERANCE (0.2 steps) after being
  snapped to a 0.1 grid for sorting;
- fills: the corners of the outline, without repeated points and without corners in the middle
  of a straight edge, from the same starting corner and in the same turning direction;
- colours: `#rrggbb` as the turtle module wrote them, so 'red', '#f00' and (1, 0, 0) are equal;
  with `colours=False` every colour (and the background) is ignored. Pen width never counts.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

TOLERANCE = 0.2
_GRID = 0.1
_PAIRWISE = 300  # parts left after exact matching that are matched within the tolerance
_ANGLE_TOLERANCE = 1e-3  # radians: lines this close in direction are on one straight line

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Picture:
    """A drawing with its history forgotten: sorted lines, fills, dots, texts."""

    lines: list[tuple[float, float, float, float, str]]
    fills: list[tuple[tuple[Point, ...], str]]
    dots: list[tuple[float, float, float, str]]
    texts: list[tuple[float, float, str, str]]
    background: str


def _snap(value: float) -> float:
    return round(round(value / _GRID) * _GRID, 1) + 0.0


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE


def _ordered(x1: float, y1: float, x2: float, y2: float) -> tuple[float, float, float, float]:
    if (_snap(x1), _snap(y1)) > (_snap(x2), _snap(y2)):
        return x2, y2, x1, y1
    return x1, y1, x2, y2


def _join_lines(
    raw: list[tuple[float, float, float, float, str]],
) -> list[tuple[float, float, float, float, str]]:
    """Join the lines of one colour that lie on one straight line and touch or overlap."""
    keyed: list[tuple[str, float, float, tuple[float, float, float, float]]] = []
    for x1, y1, x2, y2, colour in raw:
        length = math.hypot(x2 - x1, y2 - y1)
        if length <= TOLERANCE:
            continue
        angle = math.atan2(y2 - y1, x2 - x1) % math.pi
        if angle > math.pi - _ANGLE_TOLERANCE:
            angle = 0.0
        # distance of the infinite line from the middle, along its normal
        offset = -math.sin(angle) * x1 + math.cos(angle) * y1
        keyed.append((colour, angle, offset, (x1, y1, x2, y2)))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    groups: list[list[tuple[str, float, float, tuple[float, float, float, float]]]] = []
    for item in keyed:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and last[0] == item[0]
            and abs(last[1] - item[1]) <= _ANGLE_TOLERANCE
            and _close(last[2], item[2])
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
    joined: list[tuple[float, float, float, float, str]] = []
    for group in groups:
        colour, angle = group[0][0], group[0][1]
        dx, dy = math.cos(angle), math.sin(angle)
        spans = sorted(
            # which segment the span came from, to get its points back
            [*sorted((x1 * dx + y1 * dy, x2 * dx + y2 * dy)), i]
            for i, (_, _, _, (x1, y1, x2, y2)) in enumerate(group)
        )
        start, end, first = spans[0][0], spans[0][1], int(spans[0][2])
        pieces: list[tuple[float, float, int]] = []
        for low, high, index in spans[1:]:
            if low <= end + TOLERANCE:
                end = max(end, high)
            else:
                pieces.append((start, end, first))
                start, end, first = low, high, int(index)
        pieces.append((start, end, first))
        for low, high, index in pieces:
            x1, y1, _, _ = group[index][3]
            base = x1 * dx + y1 * dy  # the line's points are (x1, y1) + (t - base) * (dx, dy)
            a = (x1 + (low - base) * dx, y1 + (low - base) * dy)
            b = (x1 + (high - base) * dx, y1 + (high - base) * dy)
            joined.append((*_ordered(a[0], a[1], b[0], b[1]), colour))
    joined.sort(key=lambda s: (*(_snap(v) for v in s[:4]), s[4]))
    return joined


def _corners(points: list[Point]) -> tuple[Point, ...]:
    """A fill's outline: corners only, from its lowest corner, turning one way."""
    clean: list[Point] = []
    for point in points:
        if not clean or not (_close(point[0], clean[-1][0]) and _close(point[1], clean[-1][1])):
            clean.append(point)
    if len(clean) > 1 and _close(clean[0][0], clean[-1][0]) and _close(clean[0][1], clean[-1][1]):
        clean.pop()
    changed = True
    while changed and len(clean) > 2:
        changed = False
        for i in range(len(clean)):
            a, b, c = clean[i - 1], clean[i], clean[(i + 1) % len(clean)]
            cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
            if abs(cross) <= TOLERANCE * max(1.0, math.dist(a, c)):
                del clean[i]
                changed = True
                break
    if not clean:
        return ()
    snapped = [(_snap(x), _snap(y)) for x, y in clean]
    start = snapped.index(min(snapped))
    forward = tuple(snapped[start:] + snapped[:start])
    backward = tuple([forward[0], *reversed(forward[1:])])
    return min(forward, backward)


def normalise(drawing: dict[str, Any] | None, colours: bool = True) -> Picture:
    """The drawing as a Picture (see the module's docstring)."""
    lines: list[tuple[float, float, float, float, str]] = []
    fills: list[tuple[tuple[Point, ...], str]] = []
    dots: list[tuple[float, float, float, str]] = []
    texts: list[tuple[float, float, str, str]] = []
    background = "#ffffff"
    for command in (drawing or {}).get("commands", []):
        kind = command[0]
        if kind == "L":
            _, x1, y1, x2, y2, _width, colour = command
            lines.append((x1, y1, x2, y2, colour if colours else ""))
        elif kind == "F":
            corners = _corners([(float(x), float(y)) for x, y in command[1]])
            if len(corners) > 2:
                fills.append((corners, command[2] if colours else ""))
        elif kind == "D":
            _, x, y, size, colour = command
            dots.append((_snap(x), _snap(y), _snap(size), colour if colours else ""))
        elif kind == "W":
            _, x, y, text, colour = command[:5]
            texts.append((_snap(x), _snap(y), text, colour if colours else ""))
        elif kind == "B" and colours:
            background = command[1]
    return Picture(
        lines=_join_lines(lines),
        fills=sorted(fills),
        dots=sorted(dots),
        texts=sorted(texts),
        background=background,
    )


def _same_numbers(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    for left, right in zip(a, b, strict=True):
        if isinstance(left, float) and isinstance(right, float):
            if not _close(left, right):
                return False
        elif isinstance(left, tuple):
            if len(left) != len(right) or not _same_numbers(left, right):
                return False
        elif left != right:
            return False
    return True


def _where(x: float, y: float) -> str:
    def show(v: float) -> str:
        return str(round(v)) if abs(v - round(v)) < 0.05 else f"{v:.1f}"

    return f"({show(x)}, {show(y)})"


def _key(item: Any) -> Any:
    """An item with its numbers snapped to the grid: equal keys are surely the same part."""
    if isinstance(item, float):
        return _snap(item)
    if isinstance(item, tuple):
        return tuple(_key(part) for part in item)
    return item


def _first_difference(name: str, want: list[Any], got: list[Any], show: Any) -> str | None:
    """The first part missing from `got`, or else the first extra one, within TOLERANCE.

    Parts with equal snapped keys match at once (linear); only the rest are matched pairwise,
    and at most _PAIRWISE of them (a huge wrong drawing is not worth a quadratic search).
    """
    counts = Counter(_key(g) for g in got)
    want_left = []
    for item in want:
        key = _key(item)
        if counts[key] > 0:
            counts[key] -= 1
        else:
            want_left.append(item)
    got_left = []
    for item in got:
        key = _key(item)
        if counts[key] > 0:
            counts[key] -= 1
            got_left.append(item)
    unmatched = got_left[:_PAIRWISE]
    for item in want_left[:_PAIRWISE]:
        match = next((g for g in unmatched if _same_numbers(item, g)), None)
        if match is None:
            return f"Your drawing is missing {name} {show(item)}."
        unmatched.remove(match)
    if len(want_left) > _PAIRWISE:
        return f"Your drawing is missing {name} {show(want_left[_PAIRWISE])}."
    if unmatched or len(got_left) > _PAIRWISE:
        extra = unmatched[0] if unmatched else got_left[_PAIRWISE]
        return f"Your drawing has {name} the picture does not have: {show(extra)}."
    return None


def _show_line(line: tuple[float, float, float, float, str]) -> str:
    return f"from {_where(line[0], line[1])} to {_where(line[2], line[3])}"


def _show_fill(fill: tuple[tuple[Point, ...], str]) -> str:
    return "with corners " + ", ".join(_where(x, y) for x, y in fill[0][:6])


def differences(expected: Picture, actual: Picture) -> str | None:
    """The first way `actual` differs from `expected`, in a child's words; None when equal."""
    checks = (
        ("a line", expected.lines, actual.lines, _show_line),
        ("a filled shape", expected.fills, actual.fills, _show_fill),
        ("a dot", expected.dots, actual.dots, lambda d: f"at {_where(d[0], d[1])}"),
        ("the words", expected.texts, actual.texts, lambda t: f"{t[2]!r} at {_where(t[0], t[1])}"),
    )
    for name, want, got, show in checks:
        found = _first_difference(name, want, got, show)
        if found is not None:
            return found
    if expected.background != actual.background:
        return "The background colour is not the one the picture has."
    return None


def compare_drawings(
    expected: dict[str, Any] | None, actual: dict[str, Any] | None, colours: bool = True
) -> str | None:
    """None when `actual` draws the same picture as `expected`; else what differs, for a child.

    When the shapes are right and only colours differ, it says so.
    """
    if actual is None or not actual.get("commands"):
        if expected is None or not expected.get("commands"):
            return None
        return "Your program drew nothing. Use the turtle to draw, like turtle.forward(100)."
    if expected is not None and len(actual["commands"]) > 4 * len(expected["commands"]) + 1000:
        # far too much to be the same picture: said at once, without comparing it all
        return "Your drawing has many more lines than the picture. Does a loop go round too often?"
    found = differences(normalise(expected, colours), normalise(actual, colours))
    if found is None or not colours:
        return found
    if differences(normalise(expected, False), normalise(actual, False)) is None:
        return "The shapes are right, but a colour is not: " + found[0].lower() + found[1:]
    return found
