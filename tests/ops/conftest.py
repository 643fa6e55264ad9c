"""Operations tests: the deploy/ files checked by their tools, nginx in front of real processes,
error reporting, metrics names. The API tests' fixtures are reused (loaded by path)."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

_API_CONFTEST = Path(__file__).resolve().parents[1] / "api" / "conftest.py"
_spec = importlib.util.spec_from_file_location("coderunner_tests_api_helpers", _API_CONFTEST)
assert _spec is not None
assert _spec.loader is not None
if _spec.name in sys.modules:
    api = sys.modules[_spec.name]
else:
    api = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = api
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
problem_payload = api.problem_payload
make_settings = api.make_settings
truncate_all = api.truncate_all
register = api.register
TEST_SECRET: str = api.TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
