"""A redis-server of a test's own (no persistence) on a free port, for outage drills."""

from __future__ import annotations

import subprocess
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from .waiting import DEADLINE_S, wait_until_sync


def answers(port: int) -> bool:
    try:
        with Redis(port=port, socket_timeout=5) as probe:
            return bool(probe.ping())
    except RedisError:
        return False


def start_redis(
    port: int, directory: Path, without: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """Start redis-server on 127.0.0.1:`port` and wait until it answers PING; the commands in
    `without` answer "unknown command" (a server failing exactly there)."""
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(directory)]
    for command in without:
        argv += ["--rename-command", command, ""]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up() -> bool:
        assert process.poll() is None, f"redis-server exited with {process.returncode}"
        return answers(port)

    wait_until_sync(up, f"redis-server on port {port} to answer")
    return process


def shut_down(port: int) -> None:
    """SHUTDOWN NOSAVE (everything in it is lost), then wait until the port stops answering."""
    subprocess.run(
        ["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, capture_output=True
    )
    wait_until_sync(lambda: not answers(port), f"redis-server on port {port} to stop")


def stop_redis(port: int, process: subprocess.Popen[bytes]) -> None:
    """Shut it down; kill it if it does not exit."""
    subprocess.run(
        ["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, capture_output=True
    )
    try:
        process.wait(DEADLINE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
