"""Class API tests reuse the API tests' fixtures (loaded by path; their file stays
theirs): the real app over SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_API_CONFTEST = Path(__file__).resolve().parents[1] / "api" / "conftest.py"
_NAME = "coderunner_tests_api_helpers"
if _NAME in sys.modules:
    api = sys.modules[_NAME]
else:
    _spec = importlib.util.spec_from_file_location(_NAME, _API_CONFTEST)
    assert _spec is not None
    assert _spec.loader is not None
    api = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = api
    _spec.loader.exec_module(api)

sqlite_url = api.sqlite_url
postgres_url = api.postgres_url
database_url = api.database_url
settings_overrides = api.settings_overrides
settings = api.settings
app = api.app
client = api.client
learner = api.learner
teacher = api.teacher
admin = api.admin
problem = api.problem
