"""Progress bodies."""

from __future__ import annotations

from datetime import datetime

from coderunner.kernel.schemas import APIModel
from coderunner.progress.status import ProgressStatus as ProgressStatus  # on the wire


class ProblemProgressOut(APIModel):
    problem_id: str
    status: ProgressStatus
    attempts: int
    best_pass_rate: float
    hints_used: int
    time_spent_s: int
    first_solved_at: datetime | None
    xp_awarded: int
    updated_at: datetime


class LevelSummaryOut(APIModel):
    age_group: str
    level_number: int
    total_problems: int
    solved: int
    attempted: int
    xp: int


class ProgressOut(APIModel):
    total_xp: int
    solved_count: int
    problems: list[ProblemProgressOut]
    levels: list[LevelSummaryOut]


class LeaderboardEntry(APIModel):
    rank: int
    display_name: str | None
    xp: int
    is_me: bool


class LeaderboardOut(APIModel):
    age_group: str | None
    week_start: datetime
    entries: list[LeaderboardEntry]


class LearnerRow(APIModel):
    id: str
    username: str
    display_name: str | None
    age_group: str | None
    solved: int
    attempted: int
    xp: int
    highest_level: int | None
    last_active_at: datetime | None


class LearnersOut(APIModel):
    learners: list[LearnerRow]


class BadgeOut(APIModel):
    id: str
    name: str
    description: str
    earned: bool


class BadgesOut(APIModel):
    badges: list[BadgeOut]
