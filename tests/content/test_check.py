"""The checking logic with a scripted runner; the real sandbox run is marked `sandbox`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from click.testing import CliRunner

from coderunner.content import load_curriculum
from coderunner.content.check import ProblemReport, check_problems, problem_limits
from coderunner.content.check import check_problem as check_with_minimum
from coderunner.content.cli import content_group
from coderunner.content.constructs import load_constructs
from coderunner.content.schema import Cheatsheet, Problem
from coderunner.grading.rules import COMPARISONS_MARKER, counting_comparisons
from coderunner.sandbox import RunResult, Sandbox, SandboxConfig, Verdict
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


def check_problem(problem: Problem, runner: ScriptedRunner) -> ProblemReport:
    """Most tests here are about one thing: no minimum count of wrong solutions."""
    return check_with_minimum(problem, runner, min_wrong=0)


def result(stdout: str = "", verdict: Verdict = Verdict.OK, stderr: str = "") -> RunResult:
    return RunResult(verdict, 0, None, stdout, stderr, 1, 1, 1000, False)


@dataclass
class ScriptedRunner:
    """Echoes stdin for the solution, prints '?' for anything else, unless told otherwise."""

    overrides: dict[tuple[str, str], RunResult] = field(default_factory=dict)
    programs: dict[str, Callable[[str], str]] = field(default_factory=dict)
    calls: list[tuple[str, str, Limits | None]] = field(default_factory=list)
    batches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    config: SandboxConfig = field(default_factory=SandboxConfig)

    def run_batch(
        self,
        code: str | bytes,
        language: str,
        stdins: Sequence[str | bytes],
        limits: Limits | None = None,
    ) -> list[RunResult]:
        text = code.decode() if isinstance(code, bytes) else code
        out = []
        with self.lock:
            self.batches += 1
        for raw in stdins:
            stdin = raw.decode() if isinstance(raw, bytes) else raw
            with self.lock:
                self.calls.append((text, stdin, limits))
            if (text, stdin) in self.overrides:
                out.append(self.overrides[(text, stdin)])
            elif text in self.programs:
                out.append(result(self.programs[text](stdin)))
            else:
                out.append(result(stdin if text == SOLUTION else "?\n"))
        return out


def test_a_good_problem_has_no_errors() -> None:
    runner = ScriptedRunner()
    report = check_problem(make_problem(), runner)
    assert report.ok
    # one batch for the solution, one for the starter: six runs each
    assert report.runs == 12
    assert runner.batches == 2


def test_a_wrong_answer_on_a_hidden_test_is_named() -> None:
    runner = ScriptedRunner({(SOLUTION, "w4\n"): result("nope\n")})
    report = check_problem(make_problem(), runner)
    assert report.errors == [
        "echo: solution fails test 5 't4' (hidden): line 1: expected 'w4', got 'nope'"
    ]


def test_a_crashing_solution_shows_the_verdict_and_the_error() -> None:
    stderr = (
        "Traceback (most recent call last):\n  File \"x\"\nNameError: name 'y' is not defined\n"
    )
    runner = ScriptedRunner({(SOLUTION, "w0\n"): result("", Verdict.RUNTIME_ERROR, stderr)})
    (error,) = check_problem(make_problem(), runner).errors
    assert error.startswith("echo: solution fails test 1 't0' (visible): RUNTIME_ERROR: ")
    assert error.endswith("NameError: name 'y' is not defined")


def test_a_time_limit_is_reported() -> None:
    runner = ScriptedRunner({(SOLUTION, "w2\n"): result("", Verdict.TIME_LIMIT_EXCEEDED)})
    (error,) = check_problem(make_problem(), runner).errors
    assert (
        error == "echo: solution fails test 3 't2' (visible): TIME_LIMIT_EXCEEDED: no error output"
    )


def test_a_starter_that_passes_everything_is_an_error() -> None:
    problem = make_problem(starterCode=SOLUTION)
    report = check_problem(problem, ScriptedRunner())
    assert report.errors == ["echo: starter code passes all 6 tests"]


def test_the_comparison_mode_of_the_problem_is_used() -> None:
    runner = ScriptedRunner({(SOLUTION, "w1\n"): result("w1   \n\n")})
    assert check_problem(make_problem(), runner).ok
    exact = make_problem(comparison={"mode": "exact"})
    (error,) = check_problem(exact, runner).errors
    assert "test 2 't1'" in error


def test_problem_limits_go_to_the_runner() -> None:
    problem = make_problem(limits={"timeLimitS": 2.0, "memoryMb": 64})
    runner = ScriptedRunner()
    check_problem(problem, runner)
    limits = {call[2] for call in runner.calls}
    assert limits == {problem_limits(problem, runner.config)}
    (only,) = limits
    assert only is not None
    assert (only.wall_time_s, only.cpu_time_s, only.memory_mb) == (2.0, 2.0, 64)
    assert problem_limits(make_problem(), runner.config) == Limits()


def test_a_problem_in_java_keeps_the_languages_limits() -> None:
    """The language's limits apply under the problem's, as for a submission."""
    java = make_problem(language="java", limits={"timeLimitS": 3.0})
    limits = problem_limits(java, SandboxConfig())
    assert (limits.memory_mb, limits.max_processes) == (384, 128)  # languages.yaml's
    assert (limits.wall_time_s, limits.cpu_time_s) == (3.0, 3.0)


WRONG_FIRST = "print(input()) # only the first\n"
WRONG_NONE = "print(input().upper())\n"


def test_a_wrong_solution_that_passes_every_test_is_an_error() -> None:
    wrong = [{"code": WRONG_FIRST, "why": "a lucky guess"}]
    runner = ScriptedRunner(programs={WRONG_FIRST: lambda stdin: stdin})
    (error,) = check_problem(make_problem(wrongSolutions=wrong), runner).errors
    assert error == (
        "echo: wrongSolutions[1] (a lucky guess) passes every test and breaks no rule: "
        "add a test that catches it"
    )


def test_a_wrong_solution_that_fails_a_test_is_fine() -> None:
    wrong = [{"code": WRONG_NONE, "why": "shouts"}]
    # it passes every test but the hidden 't5'
    runner = ScriptedRunner(
        {(WRONG_NONE, "w5\n"): result("W5\n")}, programs={WRONG_NONE: lambda stdin: stdin}
    )
    report = check_problem(make_problem(wrongSolutions=wrong), runner)
    assert report.ok
    assert runner.batches == 3


def test_a_wrong_solution_that_breaks_a_rule_is_caught_without_running() -> None:
    cheat = "print(max(input()))\n"
    problem = make_problem(
        wrongSolutions=[{"code": cheat, "why": "uses max"}], rules={"forbiddenNames": ["max"]}
    )
    runner = ScriptedRunner(programs={cheat: lambda stdin: stdin})
    assert check_problem(problem, runner).ok
    assert not [call for call in runner.calls if call[0] == cheat]


def test_a_solution_that_breaks_its_own_rule_is_an_error() -> None:
    problem = make_problem(rules={"requiredDefs": ["echo"]})
    error, unproved = check_problem(problem, ScriptedRunner()).errors
    assert error.startswith("echo: solution breaks its own rule: ")
    assert "def echo(" in error
    assert unproved.startswith("echo: rules: no wrong solution leaves out")


def test_every_rule_is_proved_by_a_wrong_solution_that_breaks_it() -> None:
    solution = "def shout(s):\n    return s\n\n\nprint(shout(input()))\n"
    cheat = solution.replace("return s", "return max(s)")
    rules = {"forbiddenNames": ["max", "math.gcd"], "requiredDefs": ["shout"]}
    runner = ScriptedRunner(programs={solution: lambda stdin: stdin})
    problem = make_problem(
        solution=solution, rules=rules, wrongSolutions=[{"code": cheat, "why": "uses max"}]
    )
    assert check_problem(problem, runner).errors == [
        "echo: rules: no wrong solution uses math.gcd: add one a child would write with it, "
        "to prove Submit refuses it",
        "echo: rules: no wrong solution leaves out def shout (or never calls it): add one a "
        "child would write, to prove Submit refuses it",
    ]
    uncalled = "def shout(s):\n    return s\n\n\nprint(input())\n"
    gcd = "import math\nprint(math.gcd(1, 2))\n"
    wrongs = [
        {"code": cheat, "why": "uses max"},
        {"code": uncalled, "why": "never calls shout"},
        {"code": gcd, "why": "uses math.gcd"},
    ]
    assert check_problem(
        make_problem(solution=solution, rules=rules, wrongSolutions=wrongs), runner
    ).ok


def test_a_recursive_def_is_proved_by_a_wrong_solution_without_recursion() -> None:
    solution = "def echo(s):\n    return s if len(s) < 9 else echo(s)\n\n\nprint(echo(input()))\n"
    runner = ScriptedRunner(programs={solution: lambda stdin: stdin})
    rules = {"recursiveDefs": ["echo"]}
    errors = check_problem(make_problem(solution=solution, rules=rules), runner).errors
    assert errors == [
        "echo: rules: no wrong solution writes echo without calling itself: add one a child "
        "would write (with a loop), to prove Submit refuses it"
    ]
    looping = "def echo(s):\n    return s\n\n\nprint(echo(input()))\n"
    wrongs = [{"code": looping, "why": "no recursion"}]
    report = check_problem(
        make_problem(solution=solution, rules=rules, wrongSolutions=wrongs), runner
    )
    assert report.ok, report.errors


LINEAR = "print(input()) # checks every one\n"


def test_a_comparison_limit_is_proved_by_a_wrong_solution_it_catches() -> None:
    rules = {"maxComparisons": 40}
    counted = counting_comparisons(SOLUTION)
    runner = ScriptedRunner()
    for i in range(3, 6):  # the solution's hidden runs: right, within the limit
        runner.overrides[(counted, f"w{i}\n")] = result(
            f"w{i}\n", stderr=f"{COMPARISONS_MARKER} 12\n"
        )
    shouts = [{"code": WRONG_NONE, "why": "shouts"}]
    runner.programs[WRONG_NONE] = lambda stdin: stdin.upper()
    errors = check_problem(make_problem(rules=rules, wrongSolutions=shouts), runner).errors
    assert errors == [
        "echo: rules: no wrong solution gets every answer right with more than 40 "
        "comparisons: add one (checking every element) to prove the count catches it"
    ]
    # right answers, but its hidden runs report no count within the limit: the count catches it
    runner.programs[LINEAR] = lambda stdin: stdin
    runner.programs[counting_comparisons(LINEAR)] = lambda stdin: stdin
    linear = [*shouts, {"code": LINEAR, "why": "checks every one"}]
    assert check_problem(make_problem(rules=rules, wrongSolutions=linear), runner).ok


def test_too_few_wrong_solutions_is_an_error_once_required() -> None:
    report = check_with_minimum(make_problem(), ScriptedRunner(), min_wrong=2)
    assert report.errors == ["echo: wrongSolutions: has 0, needs at least 2"]


def test_hint_code_must_parse() -> None:
    hints = ["Use `for n in numbers: if n > 0: count += 1`.", "```python\nprint(\n```"]
    errors = check_problem(make_problem(hints=hints), ScriptedRunner()).errors
    assert len(errors) == 2
    assert errors[0].startswith("echo: hints[1]: code 'for n in numbers: if n > 0: count")
    assert errors[1].startswith("echo: hints[2]: code 'print(\\n' is not Python")


def _sheet(body: str) -> Cheatsheet:
    return Cheatsheet.model_validate(
        {"slug": "s", "title": "S", "ageGroup": "7-9", "level": 1, "body": body}
    )


def test_a_cheatsheet_example_that_solves_a_problem_as_it_is() -> None:
    sheet = _sheet("```python\nprint('?')\n```")
    problem = make_problem(
        tests=[{"input": f"{i}\n", "output": "?\n", "hidden": i >= 3} for i in range(6)],
        starterCode="print(1)\n",
    )
    report = check_problems([problem], ScriptedRunner(), cheatsheets=[sheet])
    (error,) = [e for r in report.cheatsheets for e in r.errors]
    assert error == "cheatsheet s#1 solves the problem 'echo' as it is"


def test_a_cheatsheet_example_that_solves_once_its_values_are_read() -> None:
    example = "word = 'hi'\nprint(word)\n"
    adapted = "word = input()\nprint(word)\n"
    runner = ScriptedRunner(programs={example: lambda _: "hi\n", adapted: lambda s: s})
    report = check_problems(
        [make_problem()], runner, cheatsheets=[_sheet(f"```python\n{example}```")]
    )
    (error,) = [e for r in report.cheatsheets for e in r.errors]
    assert error.startswith("cheatsheet s#1 solves the problem 'echo' once its example values")
    assert adapted in error
    assert report.summary().endswith("1 cheatsheet examples, 1 solve a problem")


def test_check_problems_keeps_order_and_summarises() -> None:
    good = make_problem()
    bad = make_problem(id="bad", starterCode=SOLUTION)
    seen: list[str] = []
    report = check_problems(
        [bad, good],
        ScriptedRunner(),
        workers=2,
        on_report=lambda r: seen.append(r.problem_id),
        min_wrong=0,
    )
    assert [r.problem_id for r in report.problems] == ["bad", "echo"] == seen
    assert not report.ok
    assert [r.problem_id for r in report.failed] == ["bad"]
    assert report.summary().startswith(
        "content check: 1/2 problems ok, 1 failed, 24 sandbox runs in "
    )


def test_an_empty_check_is_not_ok() -> None:
    assert not check_problems([], ScriptedRunner()).ok


@pytest.mark.sandbox
@pytest.mark.timeout(1200)  # about 9,000 sandbox runs: 4 minutes on a busy 2-core machine
def test_all_content_passes_in_the_real_sandbox(real_sandbox: Sandbox) -> None:
    curriculum = load_curriculum()
    report = check_problems(
        curriculum.problems,
        real_sandbox,
        workers=2,
        cheatsheets=curriculum.cheatsheets.values(),
        constructs=load_constructs(),
    )
    assert [e for r in report.failed for e in r.errors] == []
    assert len(report.problems) == len(curriculum.problems)
    assert len(report.cheatsheets) >= len(curriculum.cheatsheets)


@pytest.mark.sandbox
@pytest.mark.usefixtures("real_sandbox")
def test_the_cli_checks_one_problem_and_refuses_unknown_ids() -> None:
    result = CliRunner().invoke(content_group, ["check", "--only", "say-it-back"])
    assert result.exit_code == 0, result.output
    assert "content check: 1/1 problems ok, 0 failed" in result.output
    result = CliRunner().invoke(content_group, ["check", "--only", "no-such-problem"])
    assert result.exit_code == 2
    assert "no problem no-such-problem" in result.output


def test_code_beyond_the_level_is_an_error() -> None:
    table = load_constructs()
    problem = make_problem(
        solution="print(*[x for x in input().split()])\n",
        hints=["Try `sorted(set(words))`.", "b"],
    )
    runner = ScriptedRunner(programs={problem.solution: lambda s: s})
    errors = check_with_minimum(problem, runner, min_wrong=0, constructs=table).errors
    assert errors == [
        "echo: solution uses what level 1 has not taught yet: `.split()` (track 7-9 teaches it "
        "in level 5), `list comprehension` (track 7-9 teaches it in no level), `star` (track "
        "7-9 teaches it in no level)",
        "echo: hints[1] uses what level 1 has not taught yet: `set()` (track 7-9 teaches it in "
        "no level), `sorted()` (track 7-9 teaches it in no level)",
    ]


def test_a_cheatsheet_example_beyond_its_level_is_an_error() -> None:
    sheet = _sheet("```python\nprint(len('abc'))\n```")
    report = check_problems([], ScriptedRunner(), cheatsheets=[sheet], constructs=load_constructs())
    (error,) = [e for r in report.cheatsheets for e in r.errors]
    assert error == (
        "cheatsheet s#1 uses what level 1 has not taught yet: `len()` (track 7-9 teaches it in "
        "level 5)"
    )


JS_SOLUTION = 'console.log(require("fs").readFileSync(0, "utf8").trim());\n'
JS_BROKEN = 'console.log("w0");\n'


def test_every_language_a_problem_allows_is_proved() -> None:
    also = {"javascript": {"starterCode": "// start\n", "solution": JS_SOLUTION}}
    runner = ScriptedRunner(programs={JS_SOLUTION: lambda stdin: stdin})
    report = check_problem(make_problem(alsoIn=also), runner)
    assert report.ok, report.errors
    assert any(code == JS_SOLUTION for code, _, _ in runner.calls)  # the variant was run
    broken = {"javascript": {"starterCode": "// start\n", "solution": JS_BROKEN}}
    runner = ScriptedRunner(programs={JS_BROKEN: lambda stdin: "w0\n"})
    errors = check_problem(make_problem(alsoIn=broken), runner).errors
    assert len(errors) == 5  # every test but the first
    assert all(e.startswith("echo: alsoIn.javascript: solution fails") for e in errors)


def test_a_language_may_be_listed_once() -> None:
    with pytest.raises(ValueError, match="repeats the problem's own language"):
        make_problem(alsoIn={"python": {"starterCode": "", "solution": SOLUTION}})
