"""The daily streak rules (pure)."""

from __future__ import annotations

from datetime import date, timedelta

from coderunner.learning.streaks import MAX_FREEZES, START_FREEZES, compute_streak

TODAY = date(2026, 11, 28)


def days_ago(*offsets: int) -> list[date]:
    return [TODAY - timedelta(days=n) for n in offsets]


def test_no_activity_is_no_streak() -> None:
    streak = compute_streak([], TODAY)
    assert (streak.current, streak.longest, streak.freezes) == (0, 0, START_FREEZES)
    assert not streak.active_today


def test_consecutive_days_count_up() -> None:
    streak = compute_streak(days_ago(0, 1, 2, 3), TODAY)
    assert streak.current == 4
    assert streak.active_today


def test_today_not_over_yet_does_not_break_it() -> None:
    streak = compute_streak(days_ago(1, 2, 3), TODAY)
    assert streak.current == 3
    assert not streak.active_today


def test_one_missed_day_uses_the_freeze() -> None:
    streak = compute_streak(days_ago(0, 2, 3), TODAY)  # yesterday missed
    assert streak.current == 3
    assert streak.freezes == START_FREEZES - 1
    assert streak.frozen_days == days_ago(1)


def test_two_missed_days_with_one_freeze_end_it() -> None:
    streak = compute_streak(days_ago(0, 3, 4, 5), TODAY)
    assert streak.current == 1
    assert streak.longest == 3
    assert streak.frozen_days == []


def test_seven_days_earn_a_freeze_up_to_the_cap() -> None:
    week = compute_streak(days_ago(*range(7)), TODAY)
    assert week.freezes == START_FREEZES + 1
    month = compute_streak(days_ago(*range(30)), TODAY)
    assert month.freezes == MAX_FREEZES
    assert month.current == month.longest == 30


def test_future_days_are_ignored() -> None:
    streak = compute_streak([TODAY + timedelta(days=1), TODAY], TODAY)
    assert streak.current == 1
