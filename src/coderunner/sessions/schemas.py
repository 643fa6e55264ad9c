"""Learning-session bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.schemas import APIModel, InputModel, PageMeta


class SessionStart(InputModel):
    age_group: AgeGroup
    level_number: int = Field(ge=1, le=1000)
    problem_id: str | None = Field(default=None, max_length=100)


class SessionOut(APIModel):
    id: str
    age_group: str
    level_number: int
    problem_id: str | None
    started_at: datetime
    last_heartbeat_at: datetime
    ended_at: datetime | None
    active_seconds: int


class SessionPage(PageMeta):
    items: list[SessionOut]
