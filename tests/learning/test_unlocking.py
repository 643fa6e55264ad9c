"""Which levels are open (pure)."""

from __future__ import annotations

from coderunner.learning.unlocking import level_states

TOTALS = {1: 5, 2: 4, 3: 4}


def test_first_level_is_open_and_the_rest_locked() -> None:
    states = level_states(TOTALS, {}, set())
    assert [states[n].locked for n in (1, 2, 3)] == [False, True, True]


def test_most_of_a_level_opens_the_next() -> None:
    assert level_states(TOTALS, {1: 2}, set())[2].locked  # 2 of 5 is not most
    states = level_states(TOTALS, {1: 3}, set())  # 3 of 5 is
    assert not states[2].locked
    assert states[3].locked
    assert not states[1].completed


def test_completed_level() -> None:
    states = level_states(TOTALS, {1: 5, 2: 4}, set())
    assert states[1].completed
    assert states[2].completed
    assert not states[3].locked


def test_teacher_unlock_and_staff_see_everything() -> None:
    unlocked = level_states(TOTALS, {}, {3})
    assert not unlocked[3].locked
    assert unlocked[3].unlocked_by_teacher
    assert unlocked[2].locked
    staff = level_states(TOTALS, {}, set(), privileged=True)
    assert not any(s.locked for s in staff.values())
