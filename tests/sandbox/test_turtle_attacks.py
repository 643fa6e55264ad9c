"""Turtle drawings in the real sandbox: the channel carries the drawing, and only it, bounded."""

from __future__ import annotations

import json

import pytest

from coderunner.sandbox import Limits, Sandbox, Verdict
from coderunner.sandbox.drawing import DRAWING_BYTES, LIMIT

pytestmark = pytest.mark.sandbox

SQUARE = """
import turtle
t = turtle.Turtle()
for side in range(4):
    t.forward(100)
    t.left(90)
print("done")
turtle.done()
"""
CHANNEL = "import os\nfd = int(os.environ['CODERUNNER_DRAWING_FD'])\n"


def test_import_turtle_draws_a_square_on_its_own_channel(sandbox: Sandbox) -> None:
    result = sandbox.run(SQUARE)
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout == "done\n"
    assert result.drawing is not None
    assert [c[0] for c in result.drawing["commands"]] == ["L"] * 4
    assert result.drawing["turtles"] == [[0.0, 0.0, 0.0, "classic", True, "#000000"]]
    assert not result.drawing["truncated"]
    assert result.to_dict()["drawing"] == result.drawing


def test_a_program_without_turtle_has_no_drawing(sandbox: Sandbox) -> None:
    result = sandbox.run("print(6 * 7)")
    assert result.drawing is None
    assert "drawing" not in result.to_dict()


def test_printing_a_drawing_command_draws_nothing(sandbox: Sandbox) -> None:
    forged = json.dumps(["L", 0, 0, 100, 0, 1, "#000000"])
    code = f"import sys\nprint({forged!r})\nsys.stderr.write({forged!r} + '\\n')"
    result = sandbox.run(code)
    assert result.verdict is Verdict.OK
    assert result.stdout == forged + "\n"
    assert result.drawing is None


def test_millions_of_turtle_steps_stop_at_the_limit_with_the_reason(sandbox: Sandbox) -> None:
    code = "import turtle\nfor i in range(10**7):\n    turtle.forward(1)\n    turtle.left(1)\n"
    result = sandbox.run(code, limits=Limits(cpu_time_s=10, wall_time_s=10))
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "Your turtle has drawn 100,000 lines" in result.stderr
    assert "TurtleGraphicsError" in result.stderr
    assert result.drawing is not None
    assert len(result.drawing["commands"]) == LIMIT
    assert not result.drawing["truncated"]


def test_catching_the_limit_and_going_on_ends_at_the_time_limit(sandbox: Sandbox) -> None:
    code = (
        "import turtle\nwhile True:\n    try:\n        turtle.forward(1)\n"
        "    except turtle.TurtleGraphicsError:\n        pass\n"
    )
    result = sandbox.run(code, limits=Limits(cpu_time_s=2, wall_time_s=2))
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED
    # killed before its exit hook: the part already sent is kept, and within the limit
    assert result.drawing is None or len(result.drawing["commands"]) <= LIMIT


def test_a_huge_text_is_cut_to_what_a_screen_can_show(sandbox: Sandbox) -> None:
    result = sandbox.run("import turtle\nturtle.write('x' * 10**7)\n")
    assert result.verdict is Verdict.OK, result.stderr
    assert result.drawing is not None
    (text,) = result.drawing["commands"]
    assert text[0] == "W"
    assert text[3] == "x" * 500


def test_recursion_in_the_turtle_ends_as_a_recursion_error(sandbox: Sandbox) -> None:
    code = "import turtle\ndef tree(n):\n    turtle.forward(1)\n    tree(n + 1)\ntree(0)\n"
    result = sandbox.run(code)
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "RecursionError" in result.stderr
    assert result.drawing is not None
    assert 100 < len(result.drawing["commands"]) < 5000


def test_nan_and_infinity_are_refused_by_the_turtle(sandbox: Sandbox) -> None:
    code = "import turtle\nturtle.forward(10)\nturtle.goto(float('nan'), float('inf'))\n"
    result = sandbox.run(code)
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "x must be a normal number, not nan" in result.stderr
    assert result.drawing is not None
    assert result.drawing["commands"] == [["L", 0.0, 0.0, 10.0, 0.0, 1.0, "#000000"]]


def test_forged_lines_with_nan_or_wrong_shapes_are_dropped(sandbox: Sandbox) -> None:
    lines = [
        '["L",0,0,NaN,0,1,"#000000"]',
        '["L",0,0,Infinity,0,1,"#000000"]',
        '["L",0,0,1e300,0,1,"#000000"]',
        '["L",0,0,5,0,1,"red"]',
        '["X","rm -rf"]',
        "[" * 100000,
        "not json at all",
        '["L",0,0,5,0,1,"#00ff00"]',
    ]
    payload = ("\n".join(lines) + "\n").encode()
    code = CHANNEL + f"os.write(fd, {payload!r})\n"
    result = sandbox.run(code)
    assert result.verdict is Verdict.OK, result.stderr
    assert result.drawing is not None
    assert result.drawing["commands"] == [["L", 0, 0, 5, 0, 1, "#00ff00"]]


def test_flooding_the_channel_stops_the_run_at_its_byte_cap(sandbox: Sandbox) -> None:
    code = CHANNEL + "chunk = b'x' * 65536\nwhile True:\n    os.write(fd, chunk)\n"
    result = sandbox.run(code, limits=Limits(cpu_time_s=10, wall_time_s=10))
    assert result.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert result.truncated
    assert result.wall_ms < 8000
    assert result.drawing is not None
    assert result.drawing["truncated"]
    assert "Your drawing got too big" in result.stderr


def test_forging_more_lines_than_the_limit_is_cut_at_the_limit(sandbox: Sandbox) -> None:
    line = b'["D",0,0,1,"#000000"]\n'
    assert len(line) * (LIMIT + 10) < DRAWING_BYTES
    code = CHANNEL + f"os.write(fd, {line!r} * {LIMIT + 10})\n"
    result = sandbox.run(code)
    assert result.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert result.drawing is not None
    assert result.drawing["truncated"]
    assert len(result.drawing["commands"]) == LIMIT


def test_a_batch_of_inputs_runs_turtle_programs_without_a_channel(sandbox: Sandbox) -> None:
    code = "import turtle\nn = int(input())\nturtle.forward(n)\nprint(turtle.xcor())\n"
    results = sandbox.run_batch(code, "python", ["10\n", "20\n", "30\n"])
    assert [r.stdout for r in results] == ["10.0\n", "20.0\n", "30.0\n"]
    assert all(r.verdict is Verdict.OK and r.drawing is None for r in results)


def test_the_drawing_of_one_run_never_reaches_the_next(sandbox: Sandbox) -> None:
    first = sandbox.run(SQUARE)
    second = sandbox.run("import turtle\nprint(turtle.pos())")
    assert first.drawing is not None
    assert second.stdout == "(0.00,0.00)\n"
    assert second.drawing is not None
    assert second.drawing["commands"] == []
