"""Boot the real `coderunner serve` on free ports with a temp data dir, then stop it (SIGTERM)."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.serve import (
    CODERUNNER,
    any_answer,
    clean_env,
    spawn,
    stop,
    wait_until_answers,
)
from tests.support.uids import Purpose, sandbox_env

pytestmark = pytest.mark.serve


def test_serve_boots_api_and_web_and_stops_on_sigterm(tmp_path: Path) -> None:
    api_port, web_port = free_port(), free_port()
    data_dir = tmp_path / "data"
    env = clean_env(RATE_LIMIT_MAX_REQUESTS="3", **sandbox_env(Purpose.OTHER_SERVER))
    log_path = tmp_path / "serve.log"
    argv = [CODERUNNER, "serve", "--api-port", str(api_port), "--web-port", str(web_port)]
    watched = spawn([*argv, "--data-dir", str(data_dir)], env, log_path)
    process = watched[0]
    try:
        health = wait_until_answers(
            f"http://127.0.0.1:{api_port}/health", [watched], ready=any_answer
        )
        assert health.status_code in (200, 503), log_path.read_text()[-2000:]
        body = health.json()
        assert body["checks"]["db"]["status"] == "ok"
        assert body["checks"]["db"]["backend"] == "sqlite"
        assert body["checks"]["redis"]["status"] == "disabled"
        web = wait_until_answers(f"http://127.0.0.1:{web_port}/", [watched])
        assert web.status_code == 200
        assert "Code Runner" in web.text
        spec = httpx.get(
            f"http://127.0.0.1:{api_port}/openapi.json",
            headers={"X-Forwarded-For": "198.51.100.9"},
            timeout=5,
        )
        assert "/auth/login" in spec.json()["paths"]
        # the local web process is a trusted proxy: each forwarded client has its own budget
        levels = f"http://127.0.0.1:{api_port}/levels"
        one = [
            httpx.get(levels, headers={"X-Forwarded-For": "198.51.100.1"}).status_code
            for _ in range(4)
        ]
        assert one == [200, 200, 200, 429]
        other = httpx.get(levels, headers={"X-Forwarded-For": "198.51.100.2"})
        assert other.status_code == 200
        secret = data_dir / "jwt_secret"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        assert (data_dir / "coderunner.db").exists()
    finally:
        code = stop(process)  # SIGTERM: a graceful stop exits 0
    output = log_path.read_text()
    assert code == 0, output[-3000:]
    assert '"api_stopped"' in output  # lifespan shutdown ran: engine (and Redis) closed
