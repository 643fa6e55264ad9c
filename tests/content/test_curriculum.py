"""The real curriculum: enough of it, shaped as a teacher expects, with runnable cheatsheets."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest

from coderunner.content import AGE_GROUPS, Curriculum, load_curriculum

XP_BY_DIFFICULTY = {"easy": 10, "medium": 20, "hard": 30}


@pytest.fixture(scope="module")
def curriculum() -> Curriculum:
    return load_curriculum()


def test_every_age_group_has_five_levels_of_four_problems(curriculum: Curriculum) -> None:
    groups = {group.age_group: group for group in curriculum.levels.age_groups}
    assert sorted(groups) == sorted(AGE_GROUPS)
    for age_group, group in groups.items():
        assert len(group.levels) >= 5, age_group
        for level in group.levels:
            problems = curriculum.problems_of(age_group, level.number)
            assert len(problems) >= 4, f"{age_group} level {level.number}"
            assert [p.order for p in problems] == list(range(1, len(problems) + 1))
    assert len(curriculum.problems) >= 60


def test_every_problem_has_tests_hints_and_fair_xp(curriculum: Curriculum) -> None:
    for problem in curriculum.problems:
        assert len(problem.visible_tests) >= 3, problem.id
        assert len(problem.hidden_tests) >= 3, problem.id
        assert 2 <= len(problem.hints) <= 3, problem.id
        assert problem.xp == XP_BY_DIFFICULTY[problem.difficulty], problem.id
        assert problem.starter_code != problem.solution, problem.id


def test_problems_read_input_and_use_each_comparison_mode(curriculum: Curriculum) -> None:
    reading = [p for p in curriculum.problems if "input()" in p.solution]
    assert len(reading) >= 0.9 * len(curriculum.problems)
    modes = Counter(p.comparison.mode for p in curriculum.problems)
    assert modes["trailing"] > len(curriculum.problems) / 2
    for mode in ("exact", "tokens", "float"):
        assert modes[mode] >= 3, mode


def test_the_progression_follows_the_classic_order(curriculum: Curriculum) -> None:
    def first_level(age_group: str, pattern: str) -> int:
        return min(
            p.level
            for p in curriculum.problems
            if p.age_group == age_group and re.search(pattern, p.solution)
        )

    young = "7-9"
    assert first_level(young, r"\bif\b") > first_level(young, r"int\(input")
    assert first_level(young, r"\bfor\b") > first_level(young, r"\bif\b")
    assert first_level(young, r"\.split\(") > first_level(young, r"\bfor\b")
    middle = "10-12"
    assert first_level(middle, r"\bwhile\b") > first_level(middle, r"\belif\b")
    assert first_level(middle, r"\bdef\b") > first_level(middle, r"\.append\(")
    assert first_level("13-16", r"\w+\[\w+\] = \w+\.get") == 4  # dictionaries
    assert first_level("13-16", r"while lo <= hi") == 5  # algorithms last


def _sentence_lengths(markdown: str) -> list[int]:
    prose = re.sub(r"```.*?```", "", markdown, flags=re.S)
    prose = re.sub(r"^\|.*$", "", prose, flags=re.M)
    prose = re.sub(r"`[^`]*`", "X", prose)
    parts = re.split(r"(?<=[.!?:])\s+|\n\n", prose)
    return [len(part.split()) for part in parts if part.split()]


def test_statements_for_the_youngest_use_short_sentences(curriculum: Curriculum) -> None:
    def average(age_group: str) -> float:
        lengths = [
            n
            for p in curriculum.problems
            if p.age_group == age_group
            for n in _sentence_lengths(p.statement)
        ]
        return sum(lengths) / len(lengths)

    assert average("7-9") <= 8
    assert average("7-9") < average("10-12") <= average("13-16")
    for problem in curriculum.problems:
        if problem.age_group == "7-9":
            assert max(_sentence_lengths(problem.statement)) <= 18, problem.id


def test_each_level_has_its_own_cheatsheet(curriculum: Curriculum) -> None:
    assert len(curriculum.cheatsheets) >= 15
    for group in curriculum.levels.age_groups:
        for level in group.levels:
            sheet = curriculum.cheatsheets[level.cheatsheet]
            assert (sheet.age_group, sheet.level) == (group.age_group, level.number)
            assert len(sheet.body.splitlines()) <= 60, sheet.slug


def _python_blocks() -> list[tuple[str, str]]:
    sheets = load_curriculum().cheatsheets.values()
    return [
        (f"{sheet.slug}#{n}", block)
        for sheet in sheets
        for n, block in enumerate(re.findall(r"```python\n(.*?)```", sheet.body, flags=re.S))
    ]


def test_every_cheatsheet_has_examples() -> None:
    counts = Counter(name.split("#")[0] for name, _ in _python_blocks())
    assert len(counts) == len(load_curriculum().cheatsheets)


@pytest.mark.parametrize(("name", "code"), _python_blocks(), ids=lambda v: str(v)[:30])
def test_cheatsheet_examples_run(name: str, code: str) -> None:
    run = subprocess.run(
        [sys.executable, "-I", "-c", code], input="7\n", capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 0, f"{name}: {run.stderr}"
    assert run.stdout.strip(), f"{name} prints nothing"
