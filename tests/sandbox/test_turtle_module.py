"""Our turtle module (python_turtle.py) on its own: what each call records, and its refusals.

Each test loads a fresh copy of the module (its state is module-wide, as in a learner's run)
and reads what it would send on the drawing channel.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from coderunner.sandbox import python_turtle as installed
from coderunner.sandbox.drawing import LIMIT, parse_drawing

_PATH = Path(installed.__file__)


def fresh() -> ModuleType:
    spec = importlib.util.spec_from_file_location("turtle_under_test", _PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    channel = module._channel
    channel.out = []

    def flush() -> None:  # what the pipe would carry
        channel.out.extend(channel.lines)
        channel.lines.clear()

    channel.flush = flush
    return module


def sent(module: ModuleType) -> list[list[Any]]:
    """What the program has sent so far, in order."""
    channel = module._channel
    channel.flush()
    lines = list(channel.out)
    channel.out.clear()
    return [json.loads(line) for line in lines]


def drawn(module: ModuleType) -> dict[str, Any]:
    """What the host reads once the program ended."""
    channel = module._channel
    channel.finish()
    drawing = parse_drawing("".join(channel.out).encode())
    assert drawing is not None
    return drawing


def test_a_square_is_four_lines_back_to_the_start() -> None:
    t = fresh()
    for _ in range(4):
        t.forward(100)
        t.left(90)
    assert sent(t) == [
        ["L", 0.0, 0.0, 100.0, 0.0, 1.0, "#000000"],
        ["L", 100.0, 0.0, 100.0, 100.0, 1.0, "#000000"],
        ["L", 100.0, 100.0, 0.0, 100.0, 1.0, "#000000"],
        ["L", 0.0, 100.0, 0.0, 0.0, 1.0, "#000000"],
    ]
    assert t.position() == pytest.approx((0, 0), abs=1e-9)
    assert t.heading() == pytest.approx(0)


def test_short_names_pen_up_and_colours() -> None:
    t = fresh()
    t.pu()
    t.fd(50)
    t.pd()
    t.pencolor("Light Blue")
    t.width(3)
    t.rt(90)
    t.bk(20)
    t.pencolor((1.0, 0.5, 0))
    t.goto(0, 0)
    assert sent(t) == [
        ["L", 50.0, 0.0, 50.0, 20.0, 3.0, "#add8e6"],
        ["L", 50.0, 20.0, 0.0, 0.0, 3.0, "#ff8000"],
    ]
    t.colormode(255)
    t.pencolor(0, 128, 255)
    assert t.pencolor() == (0, 128, 255)
    assert t.pen()["pencolor"] == (0, 128, 255)


def test_setx_sety_setheading_home_and_where_the_turtle_is() -> None:
    t = fresh()
    t.setx(30)
    t.sety(-40)
    assert t.pos() == (30, -40)
    assert t.distance(0, 0) == pytest.approx(50)
    t.seth(90)
    assert t.heading() == 90
    assert t.towards(30, 0) == pytest.approx(90)
    t.home()
    assert (t.xcor(), t.ycor(), t.heading()) == (0, 0, 0)
    assert len(sent(t)) == 3


def test_a_circle_ends_where_it_began_and_an_arc_turns_the_turtle() -> None:
    t = fresh()
    t.circle(50, steps=4)
    lines = sent(t)
    assert len(lines) == 4
    corners = [(line[3], line[4]) for line in lines]
    assert corners == [(50.0, 50.0), (0.0, 100.0), (-50.0, 50.0), (0.0, 0.0)]
    t.circle(-30, 90)
    assert t.heading() == pytest.approx(270)
    assert t.pos() == pytest.approx((30, -30), abs=1e-9)
    t.circle(40)  # the default number of steps
    assert 12 <= len(sent(t)) - 0 <= 80


def test_a_fill_comes_before_the_lines_around_it() -> None:
    t = fresh()
    t.color("red", "yellow")
    t.begin_fill()
    assert t.filling()
    for _ in range(3):
        t.fd(60)
        t.lt(120)
    assert sent(t) == []  # held until the fill ends
    t.end_fill()
    items = sent(t)
    assert items[0][0] == "F"
    assert items[0][2] == "#ffff00"
    assert len(items[0][1]) == 4
    assert [i[0] for i in items[1:]] == ["L", "L", "L"]


def test_dots_text_screen_and_several_turtles() -> None:
    t = fresh()
    screen = t.Screen()
    assert screen is t.Screen()
    screen.bgcolor("black")
    screen.title("Night")
    screen.setup(400, 300)
    a, b = t.Turtle(), t.Turtle()
    a.dot(20, "gold")
    b.fd(10)
    b.write("Hello", align="center", font=("Arial", 16, "bold"))
    a.hideturtle()
    b.shape("turtle")
    t.done()
    drawing = drawn(t)
    kinds = [c[0] for c in drawing["commands"]]
    assert kinds == ["B", "N", "P", "D", "L", "W"]
    assert drawing["commands"][3] == ["D", 0.0, 0.0, 20.0, "#ffd700"]
    assert drawing["commands"][5] == ["W", 10.0, 0.0, "Hello", "#000000", "center", 16.0]
    assert drawing["turtles"] == [
        [0.0, 0.0, 0.0, "classic", False, "#000000"],
        [10.0, 0.0, 0.0, "turtle", True, "#000000"],
    ]


def test_star_import_gives_the_common_functions() -> None:
    t = fresh()
    names = set(t.__all__)
    for name in ("forward", "fd", "back", "bk", "left", "lt", "right", "rt", "penup", "pu",
                 "pendown", "pd", "color", "pencolor", "fillcolor", "pensize", "width",
                 "circle", "goto", "setpos", "setx", "sety", "setheading", "seth", "home",
                 "shape", "speed", "begin_fill", "end_fill", "write", "dot", "hideturtle",
                 "showturtle", "done", "mainloop", "exitonclick", "Screen", "Turtle",
                 "bgcolor", "title", "setup"):  # fmt: skip
        assert name in names
        assert callable(getattr(t, name))


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda t: t.forward(float("nan")), "normal number"),
        (lambda t: t.goto(float("inf"), 0), "normal number"),
        (lambda t: t.forward("ten"), "must be a number"),
        (lambda t: t.forward(1e8), "too far"),
        (lambda t: t.pencolor("rde"), "does not know the colour 'rde'"),
        (lambda t: t.pencolor(2, 0, 0), "from 0 to 1.0"),
        (lambda t: t.shape("dragon"), "the shapes are"),
        (lambda t: t.circle(10, steps=0), "at least 1 step"),
    ],
)
def test_bad_requests_say_what_to_change(call: Any, words: str) -> None:
    t = fresh()
    with pytest.raises(t.TurtleGraphicsError, match=words):
        call(t)
    assert sent(t) == []


def test_something_turtle_cannot_do_here_says_so() -> None:
    t = fresh()
    with pytest.raises(AttributeError, match="does not work here"):
        t.Turtle().onrelease(print)
    with pytest.raises(AttributeError, match=r"turtle\.getcanvas_xyz does not work here"):
        t.getcanvas_xyz  # noqa: B018


def test_past_the_limit_every_drawing_call_fails_with_the_reason() -> None:
    t = fresh()
    t.speed(0)
    for _ in range(LIMIT):
        t.fd(1)
        t.lt(1)
    with pytest.raises(t.TurtleGraphicsError, match="100,000 lines"):
        t.fd(1)
    with pytest.raises(t.TurtleGraphicsError, match="100,000 lines"):
        t.dot()
    t.penup()
    t.fd(1)  # moving without drawing is still fine
    assert math.isfinite(t.xcor())
