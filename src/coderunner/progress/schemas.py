"""Progress bodies."""

from __future__ import annotations

from datetime import datetime

from coderunner.api.schemas import APIModel
from coderunner.progress.models import ProgressStatus


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
