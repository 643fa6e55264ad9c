"""Boot the real `coderunner serve` on free ports with a temp data dir, then stop it (SIGTERM)."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early with {process.returncode}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout_s}s")


def test_serve_boots_api_and_web_and_stops_on_sigterm(tmp_path: Path) -> None:
    api_port, web_port = _free_port(), _free_port()
    data_dir = tmp_path / "data"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CODERUNNER_", "PYTEST_"))
        and k not in ("DATABASE_URL", "REDIS_URL", "JWT_SECRET", "PORT", "LOG_DIR")
    }
    env["RATE_LIMIT_MAX_REQUESTS"] = "3"
    coderunner = Path(sys.executable).parent / "coderunner"
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(coderunner),
                "serve",
                "--api-port",
                str(api_port),
                "--web-port",
                str(web_port),
                "--data-dir",
                str(data_dir),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            health = _wait_for(f"http://127.0.0.1:{api_port}/health", process)
            assert health.status_code in (200, 503), log_path.read_text()[-2000:]
            body = health.json()
            assert body["checks"]["db"]["status"] == "ok"
            assert body["checks"]["db"]["backend"] == "sqlite"
            assert body["checks"]["redis"]["status"] == "disabled"
            web = _wait_for(f"http://127.0.0.1:{web_port}/", process)
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
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    output = log_path.read_text()
    assert code == 0, output[-3000:]
    assert '"api_stopped"' in output  # lifespan shutdown ran: engine (and Redis) closed
