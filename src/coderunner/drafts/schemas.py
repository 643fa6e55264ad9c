"""Draft bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from coderunner.kernel.schemas import APIModel, InputModel


class DraftOut(APIModel):
    language: str
    # None: the learner reset the draft (its version still counts)
    code: str | None
    version: int
    updated_at: datetime | None


class DraftsOut(APIModel):
    problem_id: str
    items: list[DraftOut]


class DraftSave(InputModel):
    # whitespace is meaningful in code: never strip it
    model_config = InputModel.model_config | {"str_strip_whitespace": False}

    code: str
    # the version this save builds on: the one last read or saved (0: none yet)
    base_version: int = Field(ge=0, le=2**31 - 1)
