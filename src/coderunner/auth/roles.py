"""What a user may do: learner, teacher or admin (stored on `users.role`)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    LEARNER = "learner"
    TEACHER = "teacher"
    ADMIN = "admin"
