"""`coderunner content check`: prove the curriculum against the real sandbox.

For every problem: the solution passes every test and keeps the problem's rules; the starter
code does not pass; each known-wrong solution fails at least one test or breaks a rule; every
hint's code is valid Python. For every cheatsheet example: it solves no problem. All code is
graded by `grading.grade`, the function that grades learners' submissions, under the same
limits (`grading_limits`: the language's, then the problem's), through one sandbox batch per
program.

The runner is injected (anything with `Sandbox.run_batch`), so the logic is testable without
bubblewrap; the CLI passes the real sandbox.
"""

from __future__ import annotations

import ast
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol

from coderunner.grading import compare_output, describe_difference
from coderunner.grading.grader import (
    BatchRunner,
    Comparison,
    Grade,
    TestGrade,
    TestSpec,
    grade,
    grading_limits,
)
from coderunner.grading.rules import FORBIDDEN, RECURSIVE, REQUIRED_DEF, rule_breaks
from coderunner.kernel.verdicts import Verdict
from coderunner.sandbox import Limits, RunResult, SandboxConfig
from coderunner.sandbox import Verdict as RunVerdict

from .constructs import ConstructsTable
from .schema import Cheatsheet, LanguageVariant, Problem, TestCase
from .snippets import code_snippets, code_trees, python_blocks, syntax_error, with_inputs

DEFAULT_WORKERS = 2
# every problem must carry at least this many known-wrong solutions
MIN_WRONG_SOLUTIONS = 2
_STDERR_LINES = 3
MAX_COMPARISONS = "maxComparisons"  # how a wrong solution caught by the count is recorded


class RunOutcome(Protocol):
    @property
    def verdict(self) -> str: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...


class Runner(Protocol):
    """One program, one input (the lesson check's snippets); problems use `BatchRunner`."""

    def run(
        self, code: str, language: str = ..., stdin: str = ..., limits: Limits | None = ...
    ) -> RunOutcome: ...


@dataclass(frozen=True)
class ProblemReport:
    problem_id: str
    errors: list[str] = field(default_factory=list)
    runs: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CheckReport:
    problems: list[ProblemReport]
    seconds: float
    cheatsheets: list[ProblemReport] = field(default_factory=list)

    @property
    def failed(self) -> list[ProblemReport]:
        return [report for report in [*self.problems, *self.cheatsheets] if not report.ok]

    @property
    def ok(self) -> bool:
        return bool(self.problems) and not self.failed

    @property
    def runs(self) -> int:
        return sum(report.runs for report in [*self.problems, *self.cheatsheets])

    def summary(self) -> str:
        failed = [report for report in self.problems if not report.ok]
        passed = len(self.problems) - len(failed)
        text = (
            f"content check: {passed}/{len(self.problems)} problems ok, "
            f"{len(failed)} failed, {self.runs} sandbox runs in {self.seconds:.1f}s"
        )
        if self.cheatsheets:
            bad = sum(1 for report in self.cheatsheets if not report.ok)
            text += f"; {len(self.cheatsheets)} cheatsheet examples, {bad} solve a problem"
        return text


class CachingRunner:
    """Runs each (code, input) once: a program's output on an input is reused across problems.

    Only for content that does not depend on limits beyond the defaults (cheatsheet examples).
    """

    def __init__(self, runner: BatchRunner) -> None:
        self.runner = runner
        self.results: dict[tuple[str, str], RunResult] = {}
        self.runs = 0
        self._lock = threading.Lock()

    @property
    def config(self) -> SandboxConfig:
        return self.runner.config

    @staticmethod
    def key(code: str, stdin: str) -> tuple[str, str]:
        # a program that never reads its input prints the same for every input: run it once
        reads = "input" in code or "stdin" in code or "open" in code
        return (code, stdin if reads else "")

    def run_batch(
        self,
        code: str | bytes,
        language: str,
        stdins: Sequence[str | bytes],
        limits: Limits | None = None,
    ) -> list[RunResult]:
        text = code.decode() if isinstance(code, bytes) else code
        keys = [self.key(text, s.decode() if isinstance(s, bytes) else s) for s in stdins]
        with self._lock:
            missing = list(dict.fromkeys(key for key in keys if key not in self.results))
        if missing:
            fresh = self.runner.run_batch(text, language, [s for _, s in missing], limits)
            with self._lock:
                self.runs += len(missing)
                for key, result in zip(missing, fresh, strict=True):
                    self.results[key] = result
        return [self.results[key] for key in keys]


class _Counter:
    """Passes batches through and counts the runs."""

    def __init__(self, runner: BatchRunner) -> None:
        self.runner = runner
        self.runs = 0

    @property
    def config(self) -> SandboxConfig:
        return self.runner.config

    def run_batch(
        self,
        code: str | bytes,
        language: str,
        stdins: Sequence[str | bytes],
        limits: Limits | None = None,
    ) -> list[RunResult]:
        results = self.runner.run_batch(code, language, stdins, limits)
        self.runs += len(results)
        return results


def problem_limits(problem: Problem, config: SandboxConfig) -> Limits:
    """The limits a submission to `problem` is graded under (the language's, then its own)."""
    stored = problem.limits.model_dump(by_alias=True, exclude_none=True)
    return grading_limits(config, problem.language, stored)


def test_specs(problem: Problem) -> list[TestSpec]:
    """The problem's tests as the worker builds them for a submission."""
    return [
        TestSpec(i, test.name or f"Test {i + 1}", test.input, test.output, test.hidden, test.hint)
        for i, test in enumerate(problem.tests)
    ]


def rules_of(problem: Problem) -> dict[str, object] | None:
    """The rules as stored in the database (camelCase), as Submit reads them."""
    if problem.rules is None or problem.rules.empty:
        return None
    return problem.rules.model_dump(by_alias=True, exclude_none=True)


def grade_problem(
    problem: Problem, code: str, runner: BatchRunner, language: str | None = None
) -> Grade:
    """Grade `code` on `problem` exactly as a submission is graded (in `language`, one the
    problem allows; its own by default)."""
    comparison = Comparison.stored(problem.comparison.model_dump(by_alias=True))
    if comparison.mode == "drawing":  # compared with the solution's drawing
        comparison = replace(comparison, reference=problem.solution)
    return grade(
        runner,
        code,
        language or problem.language,
        test_specs(problem),
        comparison,
        problem_limits(problem, runner.config),
        rules_of(problem),
    )


def _label(index: int, test: TestCase) -> str:
    kind = "hidden" if test.hidden else "visible"
    name = f" {test.name!r}" if test.name else ""
    return f"test {index}{name} ({kind})"


def _stderr_tail(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return " | ".join(lines[-_STDERR_LINES:]) or "no error output"


def _why(problem: Problem, test: TestCase, graded: TestGrade) -> str:
    if graded.run.verdict != RunVerdict.OK:
        return f"{graded.verdict.value}: {_stderr_tail(graded.run.stderr)}"
    if graded.spec.hint and graded.spec.hint != test.hint:  # a rule the run broke
        return graded.spec.hint
    if graded.why is not None:  # a turtle problem: how the drawing differs
        return graded.why
    why = describe_difference(
        test.output, graded.run.stdout, problem.comparison.mode, problem.comparison.tolerance
    )
    return why or "wrong output"


def construct_errors(problem: Problem, constructs: ConstructsTable) -> list[str]:
    """The solution, starter and hint code may use only what the track taught by this level."""
    pieces = [
        ("solution", ast.parse(problem.solution)),
        ("starterCode", ast.parse(problem.starter_code)),
    ]
    for number, hint in enumerate(problem.hints, start=1):
        pieces.extend((f"hints[{number}]", tree) for tree in code_trees(hint))
    errors = []
    for where, tree in pieces:
        early = constructs.too_early(tree, problem.age_group, problem.level)
        if early:
            errors.append(
                f"{problem.id}: {where} uses what level {problem.level} has not taught yet: "
                + ", ".join(early)
            )
    return errors


def check_problem(
    problem: Problem,
    runner: BatchRunner,
    min_wrong: int = MIN_WRONG_SOLUTIONS,
    constructs: ConstructsTable | None = None,
) -> ProblemReport:
    """Every check of one problem; the errors say which file part is wrong and why."""
    errors: list[str] = []
    if problem.language == "python":  # the construct table and the rules read Python's AST
        try:
            ast.parse(problem.solution)
            ast.parse(problem.starter_code)
        except SyntaxError as exc:
            return ProblemReport(problem.id, [f"{problem.id}: code is not Python: {exc}"])
        if constructs is not None:
            errors.extend(construct_errors(problem, constructs))
    recorder = _Counter(runner)
    rules = rules_of(problem)

    solved = grade_problem(problem, problem.solution, recorder)
    for index, (test, graded) in enumerate(zip(problem.tests, solved.tests, strict=True), start=1):
        if not graded.passed:
            why = _why(problem, test, graded)
            errors.append(f"{problem.id}: solution fails {_label(index, test)}: {why}")
    for broken in rule_breaks(problem.solution, rules):
        errors.append(f"{problem.id}: solution breaks its own rule: {broken.message}")

    if grade_problem(problem, problem.starter_code, recorder).verdict == Verdict.ACCEPTED:
        errors.append(f"{problem.id}: starter code passes all {len(problem.tests)} tests")

    if len(problem.wrong_solutions) < min_wrong:
        errors.append(
            f"{problem.id}: wrongSolutions: has {len(problem.wrong_solutions)}, "
            f"needs at least {min_wrong}"
        )
    caught_by: set[str] = set()  # the rules some wrong solution is caught by: "rule:name"
    for number, wrong in enumerate(problem.wrong_solutions, start=1):
        breaks = rule_breaks(wrong.code, rules)
        if breaks:
            caught_by.update(f"{b.rule}:{b.name}" for b in breaks)
            continue  # refused at Submit before it runs
        wrong_grade = grade_problem(problem, wrong.code, recorder)
        if wrong_grade.verdict == Verdict.ACCEPTED:
            errors.append(
                f"{problem.id}: wrongSolutions[{number}] ({wrong.why}) passes every test "
                "and breaks no rule: add a test that catches it"
            )
        elif _caught_by_count(problem, wrong_grade):
            caught_by.add(f"{MAX_COMPARISONS}:")
    errors.extend(_unproved_rules(problem, caught_by))

    for name, variant in problem.also_in.items():  # the other languages the learner may choose
        errors.extend(_variant_errors(problem, name, variant, recorder, min_wrong))

    errors.extend(_hint_errors(problem))
    return ProblemReport(problem.id, errors, recorder.runs)


def _caught_by_count(problem: Problem, graded: Grade) -> bool:
    """Whether a test failed only because the run made too many comparisons (its answer was
    right; the grader puts the count's message in place of the test's hint)."""
    return any(
        not test.passed and test.run.verdict == RunVerdict.OK and test.spec.hint != case.hint
        for case, test in zip(problem.tests, graded.tests, strict=True)
    )


def _unproved_rules(problem: Problem, caught_by: set[str]) -> list[str]:
    """Each rule the problem sets needs a wrong solution it catches: the proof that Submit
    refuses what the statement forbids."""
    if problem.rules is None:
        return []
    where = f"{problem.id}: rules: no wrong solution"
    errors = [
        f"{where} uses {name}: add one a child would write with it, to prove Submit refuses it"
        for name in problem.rules.forbidden_names
        if f"{FORBIDDEN}:{name}" not in caught_by
    ]
    errors += [
        f"{where} leaves out def {name} (or never calls it): add one a child would write, "
        "to prove Submit refuses it"
        for name in problem.rules.required_defs
        if f"{REQUIRED_DEF}:{name}" not in caught_by
    ]
    errors += [
        f"{where} writes {name} without calling itself: add one a child would write (with a "
        "loop), to prove Submit refuses it"
        for name in problem.rules.recursive_defs or []
        if f"{RECURSIVE}:{name}" not in caught_by
    ]
    limit = problem.rules.max_comparisons
    if limit is not None and f"{MAX_COMPARISONS}:" not in caught_by:
        errors.append(
            f"{where} gets every answer right with more than {limit} comparisons: add one "
            "(checking every element) to prove the count catches it"
        )
    return errors


def _hint_errors(problem: Problem) -> list[str]:
    """A Python problem's hints may show code: it must be Python."""
    errors = []
    for number, hint in enumerate(problem.hints if problem.language == "python" else [], start=1):
        for snippet in code_snippets(hint):
            error = syntax_error(snippet)
            if error is not None:
                errors.append(
                    f"{problem.id}: hints[{number}]: code {snippet!r} is not Python: {error}"
                )
    return errors


def _variant_errors(
    problem: Problem, language: str, variant: LanguageVariant, runner: BatchRunner, min_wrong: int
) -> list[str]:
    """The same proofs for a language the learner may choose: its solution passes every test,
    its starter code does not, each of its wrong solutions fails one."""
    where = f"{problem.id}: alsoIn.{language}"
    errors = []
    solved = grade_problem(problem, variant.solution, runner, language)
    for index, (test, graded) in enumerate(zip(problem.tests, solved.tests, strict=True), start=1):
        if not graded.passed:
            errors.append(
                f"{where}: solution fails {_label(index, test)}: {_why(problem, test, graded)}"
            )
    if grade_problem(problem, variant.starter_code, runner, language).verdict == Verdict.ACCEPTED:
        errors.append(f"{where}: starter code passes all {len(problem.tests)} tests")
    if len(variant.wrong_solutions) < min_wrong:
        errors.append(
            f"{where}: wrongSolutions: has {len(variant.wrong_solutions)}, "
            f"needs at least {min_wrong}"
        )
    for number, wrong in enumerate(variant.wrong_solutions, start=1):
        if grade_problem(problem, wrong.code, runner, language).verdict == Verdict.ACCEPTED:
            errors.append(
                f"{where}: wrongSolutions[{number}] ({wrong.why}) passes every test: "
                "add a test that catches it"
            )
    return errors


def cheatsheet_examples(cheatsheets: Iterable[Cheatsheet]) -> list[tuple[str, str]]:
    """(`slug#n`, code) for every ```python block of every cheatsheet."""
    return [(name, code) for name, code, _ in _examples(cheatsheets)]


def _examples(cheatsheets: Iterable[Cheatsheet]) -> list[tuple[str, str, Cheatsheet]]:
    return [
        (f"{sheet.slug}#{n}", block, sheet)
        for sheet in cheatsheets
        for n, block in enumerate(python_blocks(sheet.body), start=1)
    ]


def _solved(code: str, problems: Sequence[Problem], runner: CachingRunner) -> list[Problem]:
    """The problems `code` solves: tried on every first test (one batch), then graded in full
    on the problems whose first test it passes."""
    problems = [p for p in problems if p.comparison.mode != "drawing"]  # nothing to print
    firsts = [problem.tests[0] for problem in problems]
    limits = grading_limits(runner.config, "python", None)
    runs = runner.run_batch(code, "python", [test.input for test in firsts], limits)
    solved = []
    for problem, first, run in zip(problems, firsts, runs, strict=True):
        if run.verdict != RunVerdict.OK or not compare_output(
            first.output, run.stdout, problem.comparison.mode, problem.comparison.tolerance
        ):
            continue
        if grade_problem(problem, code, runner).verdict == Verdict.ACCEPTED:
            solved.append(problem)
    return solved


def check_example(
    name: str,
    code: str,
    problems: Sequence[Problem],
    runner: CachingRunner,
    level: tuple[str, int, ConstructsTable] | None = None,
) -> ProblemReport:
    """A cheatsheet example must solve no problem, as it is or with its example values read
    from the input (what a child gets by pasting it and adding `input()`), and use only what
    its track has taught by its level."""
    before = runner.runs
    errors = []
    if level is not None:
        track, number, constructs = level
        early = constructs.too_early(ast.parse(code), track, number)
        if early:
            errors.append(
                f"cheatsheet {name} uses what level {number} has not taught yet: "
                + ", ".join(early)
            )
    errors += [
        f"cheatsheet {name} solves the problem {problem.id!r} as it is"
        for problem in _solved(code, problems, runner)
    ]
    adapted = with_inputs(code)
    if adapted is not None:
        errors.extend(
            f"cheatsheet {name} solves the problem {problem.id!r} once its example values "
            f"are read from the input:\n{adapted}"
            for problem in _solved(adapted, problems, runner)
        )
    return ProblemReport(f"cheatsheet {name}", errors, runner.runs - before)


def check_problems(
    problems: Iterable[Problem],
    runner: BatchRunner,
    workers: int = DEFAULT_WORKERS,
    on_report: Callable[[ProblemReport], None] | None = None,
    cheatsheets: Iterable[Cheatsheet] = (),
    min_wrong: int = MIN_WRONG_SOLUTIONS,
    constructs: ConstructsTable | None = None,
) -> CheckReport:
    """Check `problems` (and the cheatsheet examples against them) with `workers` threads."""
    started = time.monotonic()
    ordered = list(problems)
    examples = _examples(cheatsheets)
    caching = CachingRunner(runner)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="content-check") as pool:
        reports: list[ProblemReport] = []
        for report in pool.map(lambda p: check_problem(p, runner, min_wrong, constructs), ordered):
            reports.append(report)
            if on_report is not None:
                on_report(report)
        sheet_reports: list[ProblemReport] = []
        for report in pool.map(
            lambda example: check_example(
                example[0],
                example[1],
                ordered,
                caching,
                None
                if constructs is None
                else (example[2].age_group, example[2].level, constructs),
            ),
            examples,
        ):
            sheet_reports.append(report)
            if on_report is not None:
                on_report(report)
    return CheckReport(reports, time.monotonic() - started, sheet_reports)
