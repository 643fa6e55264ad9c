"""Learning-model JSON (camelCase on the wire)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.schemas import APIModel, InputModel


class StreakOut(APIModel):
    current: int
    longest: int
    freezes: int
    active_today: bool
    frozen_days: list[date]


class LevelStateOut(APIModel):
    age_group: str
    number: int
    title: str
    total: int
    solved: int
    locked: bool
    completed: bool
    unlocked_by_teacher: bool


class LevelStatesOut(APIModel):
    age_group: str
    levels: list[LevelStateOut]


class EffortBadgeOut(APIModel):
    id: str
    name: str
    description: str
    earned: bool


class EffortBadgesOut(APIModel):
    badges: list[EffortBadgeOut]


class UnlockIn(InputModel):
    user_id: str = Field(min_length=1, max_length=36)
    age_group: AgeGroup
    level_number: int = Field(ge=1, le=1000)


class HintIn(InputModel):
    problem_id: str = Field(min_length=1, max_length=100)
    hint_index: int = Field(ge=0, le=100)


class HintOut(APIModel):
    problem_id: str
    hints_used: int
