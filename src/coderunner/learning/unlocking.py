"""Which levels a learner may open.

Level 1 of an age group is always open. Level N opens when the learner has solved most of level
N-1 (`UNLOCK_FRACTION` of its problems), or when a teacher or admin unlocked it for them.
Teachers and admins see every level open. A level is completed when all its problems are solved.
"""

from __future__ import annotations

from dataclasses import dataclass

UNLOCK_FRACTION = 0.6


@dataclass(frozen=True, slots=True)
class LevelState:
    number: int
    total: int
    solved: int
    locked: bool
    completed: bool
    unlocked_by_teacher: bool


def level_states(
    totals: dict[int, int],
    solved: dict[int, int],
    teacher_unlocks: set[int],
    privileged: bool = False,
) -> dict[int, LevelState]:
    """States of an age group's levels; `totals` maps level number -> published problems."""
    states: dict[int, LevelState] = {}
    numbers = sorted(totals)
    for index, number in enumerate(numbers):
        done = solved.get(number, 0)
        total = totals[number]
        if index == 0 or privileged or number in teacher_unlocks:
            open_ = True
        else:
            previous = numbers[index - 1]
            needed = totals[previous] * UNLOCK_FRACTION
            open_ = solved.get(previous, 0) >= needed
        states[number] = LevelState(
            number=number,
            total=total,
            solved=done,
            locked=not open_,
            completed=total > 0 and done >= total,
            unlocked_by_teacher=number in teacher_unlocks,
        )
    return states
