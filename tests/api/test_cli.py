"""`coderunner migrate`, `coderunner create-admin`, and per-process JSON log files."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from click.testing import CliRunner

from coderunner.api.app import create_app
from coderunner.api.cli import create_admin_command, migrate_command
from coderunner.config import load_settings
from tests.support.app import TEST_SECRET


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATABASE_URL", "REDIS_URL", "LOG_DIR", "CODERUNNER_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    monkeypatch.setenv("LOG_LEVEL", "warning")
    return tmp_path / "data"


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield None
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


async def test_create_admin_then_log_in(cli_env: Path) -> None:
    runner = CliRunner()
    # the commands run their own event loop (asyncio.run): call them from a thread
    migrated = await asyncio.to_thread(runner.invoke, migrate_command, ["--data-dir", str(cli_env)])
    assert migrated.exit_code == 0, migrated.output
    assert "up to date" in migrated.output
    too_short = await asyncio.to_thread(
        runner.invoke,
        create_admin_command,
        ["--username", "boss", "--password", "short", "--data-dir", str(cli_env)],
    )
    assert too_short.exit_code != 0
    made = await asyncio.to_thread(
        runner.invoke,
        create_admin_command,
        ["--username", "boss"],
        env={
            "CODERUNNER_ADMIN_PASSWORD": "a-long-admin-passphrase",
            "CODERUNNER_DATA_DIR": str(cli_env),
        },
    )
    assert made.exit_code == 0, made.output
    assert "admin boss ready" in made.output

    app = create_app(load_settings(data_dir=cli_env))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            login = await c.post(
                "/auth/login", json={"username": "BOSS", "password": "a-long-admin-passphrase"}
            )
    assert login.status_code == 200
    assert login.json()["user"]["role"] == "admin"


def test_bad_config_is_a_clear_cli_error(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    result = CliRunner().invoke(migrate_command, ["--data-dir", str(cli_env)])
    assert result.exit_code == 1
    assert "PORT:" in result.output
    assert "Traceback" not in result.output


def test_log_dir_gets_one_json_file_per_process(tmp_path: Path) -> None:
    script = (
        "import os, structlog\n"
        "from pathlib import Path\n"
        "from coderunner.logs import configure_logging\n"
        "configure_logging('api', 'info', Path(os.environ['LOG_DIR_T']))\n"
        "structlog.contextvars.bind_contextvars(request_id='r-1', user_id='u-1')\n"
        "structlog.get_logger('t').info('hello', latency_ms=1.5)\n"
        "print(os.getpid())\n"
    )
    env = {**os.environ, "LOG_DIR_T": str(tmp_path / "logs")}
    pids = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        *stdout_lines, pid = done.stdout.strip().splitlines()
        pids.append(pid)
        line = json.loads(stdout_lines[-1])
        assert line["event"] == "hello"
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files == sorted(f"api-{pid}.log" for pid in pids)
    record = json.loads((tmp_path / "logs" / files[0]).read_text().splitlines()[-1])
    assert record["service"] == "api"
    assert record["request_id"] == "r-1"
    assert record["user_id"] == "u-1"
    assert record["level"] == "info"
    assert record["latency_ms"] == 1.5


async def test_web_placeholder_when_the_web_package_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from coderunner.api import cli

    monkeypatch.setattr(cli, "WEB_APP_MODULE", "coderunner.no_such_web_app")
    settings = load_settings(data_dir=tmp_path, jwt_secret=TEST_SECRET, api_url="http://api:4100")
    web = cli.web_app(settings)
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        page = await c.get("/")
    assert page.status_code == 200
    assert "http://api:4100/docs" in page.text


async def test_curriculum_guard_only_swallows_the_missing_sync_module(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from coderunner.api import cli

    settings = load_settings(data_dir=tmp_path, jwt_secret=TEST_SECRET)
    monkeypatch.setattr(cli, "CONTENT_SYNC_MODULE", "coderunner.no_such_sync")
    await cli.load_curriculum(settings)  # a warning, not an error
    broken = tmp_path / "pkg_broken_sync"
    broken.mkdir()
    (broken / "__init__.py").write_text("")
    (broken / "sync.py").write_text("import a_dependency_that_is_not_installed_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "CONTENT_SYNC_MODULE", "pkg_broken_sync.sync")
    with pytest.raises(ModuleNotFoundError, match="a_dependency_that_is_not_installed_xyz"):
        await cli.load_curriculum(settings)
