"""The daily streak, gentle on purpose: a missed day can be covered by a freeze.

A day counts when the learner ran or submitted code that day (UTC). Rules:
- each active day adds one to the streak;
- a learner starts with one freeze and earns one more every 7 streak days, holding at most 2;
- a missed day uses a freeze when one is left (the streak holds, not grows), else ends it;
- today never breaks a streak: the day is not over yet.
Everything is derived from the activity days, so nothing needs a nightly job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

START_FREEZES = 1
MAX_FREEZES = 2
DAYS_PER_FREEZE = 7


@dataclass(frozen=True, slots=True)
class Streak:
    current: int
    longest: int
    freezes: int
    active_today: bool
    frozen_days: list[date] = field(default_factory=list)


def compute_streak(active_days: Iterable[date], today: date) -> Streak:
    days = sorted({d for d in active_days if d <= today})
    if not days:
        return Streak(current=0, longest=0, freezes=START_FREEZES, active_today=False)
    active = set(days)
    current = longest = 0
    freezes = START_FREEZES
    frozen: list[date] = []
    day = days[0]
    while day <= today:
        if day in active:
            current += 1
            longest = max(longest, current)
            if current % DAYS_PER_FREEZE == 0:
                freezes = min(MAX_FREEZES, freezes + 1)
        elif day != today:
            if current > 0 and freezes > 0:
                freezes -= 1
                frozen.append(day)
            else:
                current = 0
                frozen = []
        day += timedelta(days=1)
    return Streak(
        current=current,
        longest=longest,
        freezes=freezes,
        active_today=today in active,
        frozen_days=frozen,
    )
