"""Turtle programs over HTTP: a run carries its drawing, a drawing problem is graded on it."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import add_problem

SQUARE = (
    "import turtle\nsize = int(input())\n"
    "for i in range(4):\n    turtle.forward(size)\n    turtle.left(90)\n"
)
TESTS = [
    {"name": "a square of 100", "input": "100\n", "expectedOutput": ""},
    {"name": "secret", "input": "70\n", "expectedOutput": "", "hidden": True, "hint": "size 70"},
]


async def drawing_problem(client: httpx.AsyncClient, teacher: Any, problem_id: str) -> None:
    await add_problem(
        client,
        teacher,
        problem_id,
        comparison={"mode": "drawing"},
        referenceSolution=SQUARE,
        starterCode="import turtle\n",
        tests=TESTS,
    )


async def submit(client: httpx.AsyncClient, learner: Any, problem_id: str, code: str) -> Any:
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": problem_id, "code": code},
        headers=learner.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_run_returns_what_the_turtle_drew(client: httpx.AsyncClient, learner: Any) -> None:
    response = await client.post(
        "/execution/run?wait=true", json={"code": SQUARE, "stdin": "50"}, headers=learner.headers
    )
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["verdict"] == "OK"
    assert result["stdout"] == ""
    assert [c[0] for c in result["drawing"]["commands"]] == ["L", "L", "L", "L"]
    assert result["drawing"]["commands"][0] == ["L", 0.0, 0.0, 50.0, 0.0, 1.0, "#000000"]


async def test_a_turtle_square_is_graded_on_its_drawing(
    client: httpx.AsyncClient, teacher: Any, learner: Any
) -> None:
    await drawing_problem(client, teacher, "turtle-square-api")
    # the same square drawn another way: turning right from the top-left corner
    other_way = (
        "import turtle\nsize = int(input())\nturtle.penup()\nturtle.goto(0, size)\n"
        "turtle.pendown()\nfor i in range(4):\n    turtle.forward(size)\n    turtle.right(90)\n"
        "print('my square')\n"
    )
    job = await submit(client, learner, "turtle-square-api", other_way)
    result = job["submissionResult"]
    assert result["verdict"] == "ACCEPTED", result
    assert (result["passed"], result["total"]) == (2, 2)
    visible = result["tests"][0]
    assert len(visible["drawing"]["commands"]) == 4
    assert "drawing" not in result["tests"][1]  # a hidden test shows nothing of itself


async def test_a_wrong_drawing_fails_and_says_what_differs(
    client: httpx.AsyncClient, teacher: Any, learner: Any
) -> None:
    await drawing_problem(client, teacher, "turtle-square-wrong")
    three_sides = SQUARE.replace("range(4)", "range(3)")
    job = await submit(client, learner, "turtle-square-wrong", three_sides)
    result = job["submissionResult"]
    assert result["verdict"] == "WRONG_ANSWER"
    visible, hidden = result["tests"]
    assert not visible["passed"]
    missing = "Your drawing is missing a line from (0, 0) to (0, 100)."
    assert visible["explanation"]["message"] == missing
    assert "drawing" in visible
    assert hidden == {
        "index": 1, "name": "secret", "hidden": True, "passed": False, "hint": "size 70",
    }  # fmt: skip
    nothing = await submit(client, learner, "turtle-square-wrong", "import turtle\nprint(1)\n")
    first = nothing["submissionResult"]["tests"][0]
    assert first["explanation"]["message"].startswith("Your program drew nothing.")
