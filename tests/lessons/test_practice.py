"""More practice: at least 8 problems per level, some of them from an empty editor."""

from __future__ import annotations

import pytest

from coderunner.content import load_curriculum

MIN_PER_LEVEL = 8


@pytest.mark.parametrize("age_group", ["7-9", "10-12", "13-16"])
def test_every_level_has_eight_problems_and_blank_editors_from_level_two(age_group: str) -> None:
    curriculum = load_curriculum()
    group = next(g for g in curriculum.levels.age_groups if g.age_group == age_group)
    for level in group.levels:
        problems = curriculum.problems_of(age_group, level.number)
        assert len(problems) >= MIN_PER_LEVEL, f"{age_group}/{level.number}: {len(problems)}"
        if level.number >= 2:
            blank = [p.id for p in problems if not p.starter_code.strip()]
            assert blank, f"{age_group}/{level.number} has no problem from an empty editor"
        for problem in problems:
            assert len(problem.wrong_solutions) >= 2, problem.id
            assert all(test.hint for test in problem.hidden_tests), problem.id


def test_at_least_120_problems_in_all() -> None:
    assert len(load_curriculum().problems) >= 120
