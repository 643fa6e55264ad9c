"""The checking logic with a scripted runner; the real sandbox run is marked `sandbox`."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from click.testing import CliRunner

from coderunner.content import load_curriculum
from coderunner.content.check import check_problem, check_problems, problem_limits
from coderunner.content.cli import content_group
from coderunner.content.schema import Problem
from coderunner.sandbox import Sandbox
from coderunner.sandbox.limits import Limits

SOLUTION = "print(input())\n"
STARTER = "print('?')\n"


def make_problem(**changes: Any) -> Problem:
    data: dict[str, Any] = {
        "id": "echo",
        "title": "Echo",
        "ageGroup": "7-9",
        "level": 1,
        "order": 1,
        "difficulty": "easy",
        "xp": 10,
        "concepts": ["print"],
        "statement": "Echo the line.",
        "starterCode": STARTER,
        "hints": ["a", "b"],
        "solution": SOLUTION,
        "tests": [
            {"name": f"t{i}", "input": f"w{i}\n", "output": f"w{i}\n", "hidden": i >= 3}
            for i in range(6)
        ],
    }
    data.update(changes)
    return Problem.model_validate(data)


@dataclass
class Result:
    verdict: str
    stdout: str = ""
    stderr: str = ""


@dataclass
class ScriptedRunner:
    """Echoes stdin for the solution, prints '?' for the starter, unless told otherwise."""

    overrides: dict[tuple[str, str], Result] = field(default_factory=dict)
    calls: list[tuple[str, str, Limits | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(
        self, code: str, language: str = "python", stdin: str = "", limits: Limits | None = None
    ) -> Result:
        with self.lock:
            self.calls.append((code, stdin, limits))
        if (code, stdin) in self.overrides:
            return self.overrides[(code, stdin)]
        return Result("OK", stdin if code == SOLUTION else "?\n")


def test_a_good_problem_has_no_errors() -> None:
    runner = ScriptedRunner()
    report = check_problem(make_problem(), runner)
    assert report.ok
    # six solution runs, and the starter stops at its first failing test
    assert report.runs == 7
    assert [stdin for code, stdin, _ in runner.calls if code == STARTER] == ["w0\n"]


def test_a_wrong_answer_on_a_hidden_test_is_named() -> None:
    runner = ScriptedRunner({(SOLUTION, "w4\n"): Result("OK", "nope\n")})
    report = check_problem(make_problem(), runner)
    assert report.errors == [
        "echo: solution fails test 5 't4' (hidden): line 1: expected 'w4', got 'nope'"
    ]


def test_a_crashing_solution_shows_the_verdict_and_the_error() -> None:
    stderr = (
        "Traceback (most recent call last):\n  File \"x\"\nNameError: name 'y' is not defined\n"
    )
    runner = ScriptedRunner({(SOLUTION, "w0\n"): Result("RUNTIME_ERROR", "", stderr)})
    (error,) = check_problem(make_problem(), runner).errors
    assert error.startswith("echo: solution fails test 1 't0' (visible): RUNTIME_ERROR: ")
    assert error.endswith("NameError: name 'y' is not defined")


def test_a_time_limit_is_reported() -> None:
    runner = ScriptedRunner({(SOLUTION, "w2\n"): Result("TIME_LIMIT_EXCEEDED")})
    (error,) = check_problem(make_problem(), runner).errors
    assert (
        error == "echo: solution fails test 3 't2' (visible): TIME_LIMIT_EXCEEDED: no error output"
    )


def test_a_starter_that_passes_everything_is_an_error() -> None:
    problem = make_problem(starterCode=SOLUTION)
    report = check_problem(problem, ScriptedRunner())
    assert report.errors == ["echo: starter code passes all 6 tests"]


def test_the_comparison_mode_of_the_problem_is_used() -> None:
    runner = ScriptedRunner({(SOLUTION, "w1\n"): Result("OK", "w1   \n\n")})
    assert check_problem(make_problem(), runner).ok
    exact = make_problem(comparison={"mode": "exact"})
    (error,) = check_problem(exact, runner).errors
    assert "test 2 't1'" in error


def test_problem_limits_go_to_the_runner() -> None:
    problem = make_problem(limits={"timeLimitS": 2.0, "memoryMb": 64})
    runner = ScriptedRunner()
    check_problem(problem, runner)
    limits = {call[2] for call in runner.calls}
    assert limits == {problem_limits(problem)}
    (only,) = limits
    assert only is not None
    assert (only.wall_time_s, only.cpu_time_s, only.memory_mb) == (2.0, 2.0, 64)
    assert problem_limits(make_problem()) == Limits()


def test_check_problems_keeps_order_and_summarises() -> None:
    good = make_problem()
    bad = make_problem(id="bad", starterCode=SOLUTION)
    seen: list[str] = []
    report = check_problems(
        [bad, good], ScriptedRunner(), workers=2, on_report=lambda r: seen.append(r.problem_id)
    )
    assert [r.problem_id for r in report.problems] == ["bad", "echo"] == seen
    assert not report.ok
    assert [r.problem_id for r in report.failed] == ["bad"]
    assert report.summary().startswith(
        "content check: 1/2 problems ok, 1 failed, 19 sandbox runs in "
    )


def test_an_empty_check_is_not_ok() -> None:
    assert not check_problems([], ScriptedRunner()).ok


@pytest.mark.sandbox
def test_all_content_passes_in_the_real_sandbox(real_sandbox: Sandbox) -> None:
    curriculum = load_curriculum()
    report = check_problems(curriculum.problems, real_sandbox, workers=2)
    assert [e for r in report.failed for e in r.errors] == []
    assert len(report.problems) == len(curriculum.problems)


@pytest.mark.sandbox
@pytest.mark.usefixtures("real_sandbox")
def test_the_cli_checks_one_problem_and_refuses_unknown_ids() -> None:
    result = CliRunner().invoke(content_group, ["check", "--only", "say-it-back"])
    assert result.exit_code == 0, result.output
    assert "content check: 1/1 problems ok, 0 failed" in result.output
    result = CliRunner().invoke(content_group, ["check", "--only", "no-such-problem"])
    assert result.exit_code == 2
    assert "no problem no-such-problem" in result.output
