"""Start `coderunner` server processes and wait until they answer (tests and benchmarks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

CODERUNNER = str(Path(sys.executable).with_name("coderunner"))
# a server's start (migrations, the sandbox self-test) can take a minute on a loaded machine
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 30.0

Watched = tuple[subprocess.Popen[bytes], Path]  # a process and the file its output goes to


class ServerDidNotStart(RuntimeError):
    """A server exited, or did not answer in time; the message ends with its log."""


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the product's own settings (nor pytest's), so a
    server started with it runs on its embedded defaults plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CODERUNNER_", "PYTEST_"))
        and k not in ("DATABASE_URL", "REDIS_URL", "JWT_SECRET", "PORT", "LOG_DIR")
    }
    env.update(extra)
    return env


def spawn(argv: Sequence[str], env: Mapping[str, str], log: Path) -> Watched:
    """Start a process in its own session with its output in `log`."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv), env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return process, log


def _tail(log: Path, chars: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def any_answer(response: httpx.Response) -> bool:
    return True


def answers_below_500(response: httpx.Response) -> bool:
    return response.status_code < 500


def answers_200(response: httpx.Response) -> bool:
    return response.status_code == 200


def wait_until_answers(
    url: str,
    watched: Sequence[Watched],
    *,
    ready: Callable[[httpx.Response], bool] = answers_below_500,
    within_s: float = START_TIMEOUT_S,
) -> httpx.Response:
    """GET `url` until `ready(response)`, and return that response. Raises ServerDidNotStart
    when a watched process exits first or the deadline passes."""
    deadline = time.monotonic() + within_s
    last = "no answer"
    while True:
        for process, log in watched:
            if process.poll() is not None:
                raise ServerDidNotStart(
                    f"{process.args!r} exited with {process.returncode}:\n{_tail(log)}"
                )
        try:
            response = httpx.get(url, timeout=10)
            if ready(response):
                return response
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        if time.monotonic() > deadline:
            logs = "\n".join(_tail(log) for _, log in watched)
            raise ServerDidNotStart(f"{url} not ready in {within_s:g} s (last: {last}):\n{logs}")
        time.sleep(0.3)


def stop(process: subprocess.Popen[bytes], within_s: float = STOP_TIMEOUT_S) -> int:
    """SIGTERM (a graceful stop), then SIGKILL to its whole session if it outlasts `within_s`;
    returns its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            _kill(process)
    return process.wait()


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: the whole session when the process leads one (as `spawn` starts them)."""
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
            return
    except ProcessLookupError:
        return
    process.kill()


class Processes:
    """Server processes started together (logs in `directory`), watched together while waiting
    for any of them, and stopped together (the last started first)."""

    def __init__(self, directory: Path, env: Mapping[str, str]) -> None:
        self.directory = directory
        self.env = dict(env)
        self.started: list[Watched] = []

    def start(self, name: str, argv: Sequence[str], **extra_env: str) -> Watched:
        watched = spawn(argv, {**self.env, **extra_env}, self.directory / f"{name}.log")
        self.started.append(watched)
        return watched

    def wait_until_answers(
        self, url: str, ready: Callable[[httpx.Response], bool] = answers_200
    ) -> httpx.Response:
        return wait_until_answers(url, self.started, ready=ready)

    def stop_all(self) -> None:
        for process, _ in reversed(self.started):
            stop(process)
