"""Judge0 API tests: the real app (embedded workers, real sandbox) over SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"execution_rate_limit": 0, "submission_rate_limit": 0}
