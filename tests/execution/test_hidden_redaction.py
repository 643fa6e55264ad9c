"""A learner learns nothing of a hidden test but passed or not (and its hint when it failed):
no time, memory, verdict kind, output or stderr, in the test or in the submission's totals."""

from __future__ import annotations

import re
from typing import Any

import httpx

from .conftest import add_problem

# A program that turns its input into the resources it uses and the way it ends: the attack the
# review used to read hidden inputs back out of timeMs, memoryKb and the verdict kind.
_ENCODER = """
import sys, time
data = sys.stdin.read()
if data.startswith("visible"):
    print("ok")
    raise SystemExit
nibble = ord(data[0]) % 16
hoard = bytearray(nibble * 4 * 2**20)
time.sleep(nibble / 40)
if nibble % 3 == 0:
    while True:
        pass
if nibble % 3 == 1:
    print(1 / 0)
print(data)
"""

_TESTS: list[dict[str, Any]] = [
    {"name": "visible", "input": "visible", "expectedOutput": "ok"},
    {"name": "hidden", "input": "", "expectedOutput": "never", "hidden": True, "hint": "big ones"},
]


def _shape(body: dict[str, Any]) -> dict[str, Any]:
    """What a learner's view of a finished submission says, apart from ids and clock times."""
    keep = ("status", "verdict", "type", "language", "attempts", "failureReason", "result")
    result = dict(body["submissionResult"])
    # a visible test's own figures vary from run to run; its input is no secret
    result["tests"] = [
        {k: v for k, v in test.items() if k not in ("timeMs", "memoryKb")}
        for test in result["tests"]
    ]
    return {key: body[key] for key in keep} | {"submissionResult": result}


async def _submit(client: httpx.AsyncClient, who: Any, problem_id: str) -> dict[str, Any]:
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": problem_id, "code": _ENCODER},
        headers=who.headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "completed", body
    return body


async def test_hidden_inputs_cannot_be_read_back_from_a_learners_results(
    client: httpx.AsyncClient, learner: Any, teacher: Any, admin: Any
) -> None:
    views = []
    # three hidden inputs that end three different ways, with different memory and time
    for n, first in enumerate("0ab"):  # '0' % 16 == 0 (spin), 'a' -> 1 (error), 'b' -> 2 (WA)
        tests = [_TESTS[0], {**_TESTS[1], "input": first + "-secret"}]
        problem = await add_problem(
            client, teacher, f"leak-{n}", tests=tests, limits={"timeLimitS": 1}
        )
        learner_view = await _submit(client, learner, problem["id"])
        views.append(_shape(learner_view))
        hidden = learner_view["submissionResult"]["tests"][1]
        assert hidden == {
            "index": 1,
            "name": "hidden",
            "hidden": True,
            "passed": False,
            "hint": "big ones",
        }
        for path in ("", "/events"):
            again = await client.get(
                f"/execution/{learner_view['jobId']}{path}", headers=learner.headers
            )
            assert "secret" not in again.text
            after_hidden = re.split(r'"hidden":\s*true', again.text, maxsplit=1)[-1]
            assert "timeMs" not in after_hidden
            assert "verdict" not in after_hidden.split("}", 1)[0]
        # staff see everything
        staff = await client.get(f"/execution/{learner_view['jobId']}", headers=admin.headers)
        staff_hidden = staff.json()["submissionResult"]["tests"][1]
        assert staff_hidden["input"] == first + "-secret"
        assert {"verdict", "timeMs", "memoryKb", "stderr", "actual"} <= set(staff_hidden)
    assert views[0] == views[1] == views[2], views
    assert views[0]["verdict"] == views[0]["submissionResult"]["verdict"] == "HIDDEN_TEST_FAILED"


async def test_a_failing_visible_test_still_gives_its_own_verdict(
    client: httpx.AsyncClient, learner: Any, teacher: Any
) -> None:
    tests = [
        {"name": "visible", "input": "x", "expectedOutput": "y"},
        {"name": "hidden", "input": "0", "expectedOutput": "z", "hidden": True},
    ]
    problem = await add_problem(client, teacher, "visible-first", tests=tests)
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": problem["id"], "code": "print(1 / 0)"},
        headers=learner.headers,
    )
    body = response.json()
    assert body["verdict"] == body["submissionResult"]["verdict"] == "RUNTIME_ERROR"
    visible, hidden = body["submissionResult"]["tests"]
    assert visible["verdict"] == "RUNTIME_ERROR"
    assert "timeMs" in visible
    assert set(hidden) == {"index", "name", "hidden", "passed"}
