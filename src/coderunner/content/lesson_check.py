"""Check every lesson in the sandbox: compute its snippets' outputs, prove its Parsons puzzle.

- Each snippet (the worked example, each "predict" question) must run cleanly; its output is
  the answer. It must equal the one in `lessons/outputs.lock.yaml` (or, with `update=True`,
  is written there). A multiple-choice distractor must not be that answer.
- The Parsons reference order must pass every test; wrong orders must fail one: the lines
  reversed, each pair of neighbours swapped (at least one swap must fail; a swap that still
  passes is a right answer too, since the server runs what the learner builds), and, where the
  learner sets the indentation (10-12, 13-16), every line at the left edge.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from coderunner.grading import compare_output, describe_difference
from coderunner.kernel.verdicts import Verdict
from coderunner.sandbox.limits import DEFAULT_LIMITS

from .check import Runner, _stderr_tail
from .constructs import ConstructsTable, load_constructs
from .lesson_loader import (
    LoadedLesson,
    _snippet_names,
    load_lessons,
    read_outputs,
    snippet_key,
    write_outputs,
)
from .lesson_schema import INDENT, Parsons, indents_matter, split_indent


@dataclass
class LessonReport:
    name: str
    errors: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # snippet key -> computed output
    runs: int = 0
    swaps_passing: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class LessonCheckReport:
    lessons: list[LessonReport]
    seconds: float

    @property
    def failed(self) -> list[LessonReport]:
        return [report for report in self.lessons if not report.ok]

    @property
    def ok(self) -> bool:
        return bool(self.lessons) and not self.failed

    def summary(self) -> str:
        runs = sum(report.runs for report in self.lessons)
        passed = len(self.lessons) - len(self.failed)
        return (
            f"lesson check: {passed}/{len(self.lessons)} lessons ok, {len(self.failed)} "
            f"failed, {runs} sandbox runs in {self.seconds:.1f}s"
        )


def assemble(lines: list[str], order: list[int], indents: list[int] | None = None) -> str:
    """The program built from `lines` taken in `order`, with `indents` (else their own)."""
    built = []
    for position, index in enumerate(order):
        depth, text = split_indent(lines[index])
        if indents is not None:
            depth = indents[position]
        built.append(INDENT * depth + text)
    return "\n".join(built) + "\n"


def parsons_failure(parsons: Parsons, code: str, runner: Runner) -> tuple[str | None, int]:
    """Why `code` fails the puzzle's tests (None when it passes them all), and the runs made."""
    runs = 0
    for index, test in enumerate(parsons.tests, start=1):
        runs += 1
        result = runner.run(code, language="python", stdin=test.input, limits=DEFAULT_LIMITS)
        if str(result.verdict) != Verdict.OK:
            return f"test {index}: {result.verdict}: {_stderr_tail(result.stderr)}", runs
        why = describe_difference(test.output, result.stdout, "trailing")
        if why is not None:
            return f"test {index}: {why}", runs
    return None, runs


def check_lesson(loaded: LoadedLesson, runner: Runner, stored: dict[str, str]) -> LessonReport:
    lesson = loaded.lesson
    report = LessonReport(f"lesson {lesson.age_group}/{lesson.level}")
    report.errors.extend(constructs_errors(loaded))
    for where, snippet in zip(_snippet_names(lesson), lesson.snippets(), strict=True):
        report.runs += 1
        result = runner.run(
            snippet.code, language="python", stdin=snippet.stdin, limits=DEFAULT_LIMITS
        )
        if str(result.verdict) != Verdict.OK:
            report.errors.append(
                f"{report.name}: {where} does not run: {result.verdict}: "
                f"{_stderr_tail(result.stderr)}"
            )
            continue
        if not result.stdout.strip():
            report.errors.append(f"{report.name}: {where} prints nothing to predict")
            continue
        key = snippet_key(snippet)
        report.outputs[key] = result.stdout
        if key in stored and stored[key] != result.stdout:
            report.errors.append(f"{report.name}: {where}: outputs.lock.yaml is stale")
    for index, question in enumerate(lesson.predict):
        answer = report.outputs.get(snippet_key(question))
        for distractor in question.distractors:
            if answer is not None and compare_output(answer, distractor, "trailing"):
                report.errors.append(
                    f"{report.name}: predict[{index}]: distractor {distractor!r} is the answer"
                )
    _check_parsons(loaded, runner, report)
    return report


def constructs_errors(loaded: LoadedLesson) -> list[str]:
    """A lesson teaches with what its level (and the ones before it) teach: the constructs
    table of docs/curriculum.md applies to every snippet and the Parsons program too."""
    lesson = loaded.lesson
    table = _constructs()
    pieces = [("example", lesson.example.code), ("parsons", lesson.parsons.code)]
    pieces[1:1] = [(f"predict[{i}]", q.code) for i, q in enumerate(lesson.predict)]
    errors = []
    for where, code in pieces:
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            errors.append(
                f"lesson {lesson.age_group}/{lesson.level}: {where} does not parse: {exc}"
            )
            continue
        early = table.too_early(tree, lesson.age_group, lesson.level)
        if early:
            errors.append(
                f"lesson {lesson.age_group}/{lesson.level}: {where} uses what level "
                f"{lesson.level} has not taught yet: " + ", ".join(early)
            )
    return errors


@lru_cache(maxsize=1)
def _constructs() -> ConstructsTable:
    return load_constructs()


def _check_parsons(loaded: LoadedLesson, runner: Runner, report: LessonReport) -> None:
    parsons = loaded.lesson.parsons
    lines = parsons.lines
    count = len(lines)
    why, runs = parsons_failure(parsons, assemble(lines, list(range(count))), runner)
    report.runs += runs
    if why is not None:
        report.errors.append(f"{report.name}: parsons: the reference order fails {why}")
        return
    wrong: dict[str, str] = {"reversed": assemble(lines, list(reversed(range(count))))}
    if indents_matter(loaded.lesson.age_group) and any(split_indent(x)[0] for x in lines):
        wrong["every line at the left edge"] = assemble(lines, list(range(count)), [0] * count)
    for name, code in wrong.items():
        why, runs = parsons_failure(parsons, code, runner)
        report.runs += runs
        if why is None:
            report.errors.append(f"{report.name}: parsons: the lines {name} pass every test")
    swaps_failing = 0
    for first in range(count - 1):
        if split_indent(lines[first])[1] == split_indent(lines[first + 1])[1]:
            continue
        order = list(range(count))
        order[first], order[first + 1] = order[first + 1], order[first]
        why, runs = parsons_failure(parsons, assemble(lines, order), runner)
        report.runs += runs
        if why is None:
            report.swaps_passing += 1
        else:
            swaps_failing += 1
    if not swaps_failing:
        report.errors.append(f"{report.name}: parsons: every swap of two neighbours passes")


def check_lessons(
    lessons: Iterable[LoadedLesson],
    runner: Runner,
    stored: dict[str, str],
    on_report: Callable[[LessonReport], None] | None = None,
) -> LessonCheckReport:
    started = time.monotonic()
    reports = []
    for loaded in lessons:
        report = check_lesson(loaded, runner, stored)
        reports.append(report)
        if on_report is not None:
            on_report(report)
    return LessonCheckReport(reports, time.monotonic() - started)


def run_lesson_check(
    root: Path | None,
    runner: Runner,
    *,
    update: bool,
    echo: Callable[[str], None],
    echo_error: Callable[[str], None],
) -> bool:
    """`content check`'s lesson part: load, check, optionally rewrite the outputs; ok or not."""
    from .loader import CONTENT_DIR, ContentError

    root = root or CONTENT_DIR
    try:
        lessons = load_lessons(root, require_outputs=not update)
    except ContentError as exc:
        for issue in exc.issues:
            echo_error(f"invalid: {issue}")
        echo_error(f"lesson check: {len(exc.issues)} lesson errors")
        return False
    stored = {} if update else read_outputs(root)

    def show(report: LessonReport) -> None:
        for error in report.errors:
            echo_error(f"FAIL {error}")

    report = check_lessons(lessons, runner, stored, on_report=show)
    if update and not report.failed:
        computed: dict[str, str] = {}
        for lesson_report in report.lessons:
            computed.update(lesson_report.outputs)
        echo(f"wrote {write_outputs(root, computed).relative_to(root).as_posix()}")
    echo(report.summary())
    return report.ok
