"""Celebration bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictInt

from coderunner.kernel.schemas import APIModel, InputModel

MAX_IDS = 100
EventId = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]


class CelebrationOut(APIModel):
    id: int
    kind: str
    key: str
    title: str
    number: int | None
    age_group: str | None
    created_at: datetime


class CelebrationsOut(APIModel):
    events: list[CelebrationOut]


class SeenIn(InputModel):
    ids: list[EventId] = Field(min_length=1, max_length=MAX_IDS)


class SeenOut(APIModel):
    marked: int
