"""Where a learner stands on one problem (stored on `progress.status`)."""

from __future__ import annotations

import enum


class ProgressStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    ATTEMPTED = "attempted"
    SOLVED = "solved"
