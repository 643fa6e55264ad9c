"""Lesson tests: the content, and the API over the real app (SQLite and PostgreSQL), with the
real sandbox where marked."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """No job rate limits."""
    return {"execution_rate_limit": 0, "submission_rate_limit": 0}
