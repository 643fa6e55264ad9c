"""Comparing drawings: the same picture drawn another way passes, a different picture fails.

The drawings are real: each program here runs on a fresh copy of our turtle module (outside the
sandbox: these are our programs, not learners'), and the host's parser reads what it sent.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from coderunner.grading.drawing import compare_drawings, normalise
from coderunner.sandbox import python_turtle
from coderunner.sandbox.drawing import parse_drawing


def draw(code: str) -> dict[str, Any] | None:
    spec = importlib.util.spec_from_file_location("turtle_for_grading", python_turtle.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    channel = module._channel
    out: list[str] = []

    def flush() -> None:
        out.extend(channel.lines)
        channel.lines.clear()

    channel.flush = flush
    exec(code, {"turtle": module, "__name__": "__main__"})  # our own examples
    channel.finish()
    return parse_drawing("".join(out).encode())


SQUARE = "for i in range(4):\n    turtle.forward(100)\n    turtle.left(90)\n"
SAME_SQUARES = {
    "turning right, the other way round": (
        "turtle.setheading(90)\nfor i in range(4):\n    turtle.forward(100)\n    turtle.right(90)\n"
    ),
    "with goto": (
        "turtle.goto(100, 0)\nturtle.goto(100, 100)\nturtle.goto(0, 100)\nturtle.goto(0, 0)\n"
    ),
    "sides in halves": (
        "for i in range(8):\n    turtle.forward(50)\n    if i % 2:\n        turtle.left(90)\n"
    ),
    "from another corner": (
        "turtle.penup()\nturtle.goto(100, 100)\nturtle.pendown()\nturtle.setheading(180)\n" + SQUARE
    ),
    "a side drawn twice": SQUARE + "turtle.forward(100)\nturtle.back(100)\n",
    "a float a hair off": SQUARE.replace("100)", "100.0000001)"),
    "with speed, shape and a hidden turtle": (
        "turtle.speed(0)\nturtle.shape('turtle')\nturtle.hideturtle()\n" + SQUARE
    ),
}
WRONG_SQUARES = {
    "a missing side": "for i in range(3):\n    turtle.forward(100)\n    turtle.left(90)\n",
    "a wrong angle": "for i in range(4):\n    turtle.forward(100)\n    turtle.left(91)\n",
    "sides too short": SQUARE.replace("100", "90"),
    "an extra line": SQUARE + "turtle.goto(100, 100)\n",
    "a wrong colour": "turtle.color('blue')\n" + SQUARE,
    "nothing drawn": "turtle.penup()\n" + SQUARE,
}


@pytest.mark.parametrize("name", sorted(SAME_SQUARES))
def test_the_same_square_drawn_another_way_passes(name: str) -> None:
    assert compare_drawings(draw(SQUARE), draw(SAME_SQUARES[name])) is None


@pytest.mark.parametrize("name", sorted(WRONG_SQUARES))
def test_a_different_picture_fails_with_a_reason(name: str) -> None:
    found = compare_drawings(draw(SQUARE), draw(WRONG_SQUARES[name]))
    assert found is not None
    assert found.endswith(".")


def test_the_reasons_say_what_is_missing_extra_or_coloured() -> None:
    square = draw(SQUARE)
    assert compare_drawings(square, draw(WRONG_SQUARES["a missing side"])) == (
        "Your drawing is missing a line from (0, 0) to (0, 100)."
    )
    assert compare_drawings(square, draw(WRONG_SQUARES["an extra line"])) == (
        "Your drawing has a line the picture does not have: from (0, 0) to (100, 100)."
    )
    assert (compare_drawings(square, draw(WRONG_SQUARES["a wrong colour"])) or "").startswith(
        "The shapes are right, but a colour is not"
    )
    assert compare_drawings(square, draw(WRONG_SQUARES["nothing drawn"])) == (
        "Your program drew nothing. Use the turtle to draw, like turtle.forward(100)."
    )


def test_colours_can_be_left_out_of_the_comparison() -> None:
    blue = draw(WRONG_SQUARES["a wrong colour"])
    assert compare_drawings(draw(SQUARE), blue, colours=False) is None
    assert compare_drawings(draw("turtle.color('#0000ff')\n" + SQUARE), blue) is None
    assert compare_drawings(draw("turtle.color(0, 0, 1.0)\n" + SQUARE), blue) is None


FILLED = (
    "turtle.fillcolor('{colour}')\nturtle.begin_fill()\n"
    "for i in range(3):\n    turtle.forward(80)\n    turtle.left(120)\nturtle.end_fill()\n"
)


def test_fills_match_whatever_the_start_or_direction() -> None:
    triangle = draw(FILLED.format(colour="orange"))
    other_way = (
        "turtle.fillcolor('orange')\nturtle.begin_fill()\nturtle.goto(40, 69.282032)\n"
        "turtle.goto(80, 0)\nturtle.goto(0, 0)\nturtle.end_fill()\n"
    )
    assert compare_drawings(triangle, draw(other_way)) is None
    wrong = compare_drawings(triangle, draw(FILLED.format(colour="green")))
    assert wrong is not None
    assert "colour" in wrong
    unfilled = FILLED.format(colour="orange").replace("turtle.end_fill()\n", "")
    assert "missing a filled shape" in (compare_drawings(triangle, draw(unfilled)) or "")


def test_circles_dots_and_words_count() -> None:
    flower = "turtle.color('red')\nfor i in range(6):\n    turtle.circle(40)\n    turtle.left(60)\n"
    assert compare_drawings(draw(flower), draw(flower)) is None
    assert compare_drawings(draw(flower), draw(flower.replace("60", "50"))) is not None
    assert compare_drawings(draw("turtle.dot(20, 'gold')"), draw("turtle.dot(20)")) is not None
    assert compare_drawings(draw("turtle.write('Hi')"), draw("turtle.write('Hello')")) is not None


def test_normalising_joins_collinear_pieces_and_forgets_direction() -> None:
    picture = normalise(draw("turtle.forward(30)\nturtle.forward(70)\nturtle.back(100)\n"))
    assert picture.lines == [(0.0, 0.0, 100.0, 0.0, "#000000")]
    diagonal = normalise(draw("turtle.goto(50, 50)\nturtle.goto(20, 20)\nturtle.goto(100, 100)"))
    assert len(diagonal.lines) == 1
    assert diagonal.lines[0][:4] == pytest.approx((0, 0, 100, 100))
    apart = normalise(draw("turtle.forward(10)\nturtle.penup()\nturtle.forward(10)\n"
                           "turtle.pendown()\nturtle.forward(10)"))  # fmt: skip
    assert len(apart.lines) == 2


def test_a_huge_drawing_is_refused_at_once_and_a_big_one_compared_in_linear_time() -> None:
    square = draw(SQUARE)
    many: dict[str, Any] = {
        "commands": [["L", 0.0, float(i), 5.0, float(i), 1.0, "#000000"] for i in range(20000)]
    }
    assert (compare_drawings(square, many) or "").startswith("Your drawing has many more lines")
    shifted = {"commands": [[*c[:1], c[1] + 1, *c[2:]] for c in many["commands"]]}
    assert compare_drawings(many, many) is None
    assert (compare_drawings(many, shifted) or "").startswith("Your drawing is missing a line")
