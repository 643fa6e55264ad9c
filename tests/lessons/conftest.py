"""Lesson tests: the content, and the API over the real app (the API tests' fixtures, loaded by
path so their file stays theirs: SQLite and PostgreSQL), with the real sandbox where marked."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coderunner.sandbox import Sandbox, get_sandbox

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
settings = api.settings
app = api.app
client = api.client
learner = api.learner
teacher = api.teacher


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Embedded workers with this suite's own sandbox uid; no job rate limits."""
    return {
        "execution_rate_limit": 0,
        "submission_rate_limit": 0,
        "sandbox_uid": int(os.environ.get("CODERUNNER_TEST_UID_BASE", "64700")),
    }


@pytest.fixture(scope="session")
def real_sandbox() -> Iterator[Sandbox]:
    sandbox = get_sandbox()
    yield sandbox
    sandbox.close()
