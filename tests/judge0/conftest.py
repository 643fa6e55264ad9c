"""Judge0 API tests: the real app (embedded workers, real sandbox) over SQLite and PostgreSQL,
with the API tests' fixtures (loaded by path, so their file stays theirs)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

_API_CONFTEST = Path(__file__).resolve().parents[1] / "api" / "conftest.py"
_spec = importlib.util.spec_from_file_location("coderunner_tests_api_helpers", _API_CONFTEST)
assert _spec is not None
assert _spec.loader is not None
api = sys.modules.get(_spec.name) or importlib.util.module_from_spec(_spec)
if _spec.name not in sys.modules:
    sys.modules[_spec.name] = api
    _spec.loader.exec_module(api)

sqlite_url = api.sqlite_url
postgres_url = api.postgres_url
database_url = api.database_url
settings = api.settings
app = api.app
client = api.client
learner = api.learner
teacher = api.teacher
admin = api.admin
Account = api.Account
create_account = api.create_account


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"execution_rate_limit": 0, "submission_rate_limit": 0}
