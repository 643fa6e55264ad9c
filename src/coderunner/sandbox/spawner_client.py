"""Talks to the launcher process (spawner.py): one request per run, from any thread."""

from __future__ import annotations

import array
import json
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

SPAWNER = Path(__file__).with_name("spawner.py")


class SpawnError(OSError):
    """The launcher could not start the run."""


@dataclass(frozen=True, slots=True)
class SpawnRequest:
    argv: list[str]
    env: dict[str, str]
    uid: int
    rlimits: list[tuple[int, int, int]]
    stdio: tuple[int, int, int]
    procs: list[int]  # open cgroup.procs files the child joins
    extras: list[int]  # placed at fds 3, 4, ... in this order


class SpawnerClient:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channel: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> socket.socket:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(SPAWNER), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env={},
                cwd="/",
            )
        self._channel = ours
        return ours

    def spawn(self, request: SpawnRequest) -> int:
        payload = json.dumps(
            {
                "argv": request.argv,
                "env": request.env,
                "uid": request.uid,
                "rlimits": request.rlimits,
                "procs": len(request.procs),
            }
        ).encode()
        fds = array.array("i", [*request.stdio, *request.procs, *request.extras])
        with self._lock:
            for attempt in (1, 2):  # a launcher that died is started again, once
                channel = self._channel or self._start()
                try:
                    channel.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
                    reply = channel.recv(4096)
                except OSError:
                    reply = b""
                if reply:
                    break
                self._stop_locked()
                if attempt == 2:
                    raise SpawnError("the sandbox launcher is not answering")
        answer = json.loads(reply)
        if "pid" not in answer:
            raise SpawnError(answer.get("error", "the sandbox launcher refused"))
        return int(answer["pid"])

    def _stop_locked(self) -> None:
        # closing the channel asks the launcher to end its runs, reap them and exit
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def close(self) -> None:
        with self._lock:
            self._stop_locked()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid


def wait_exit(pid: int, timeout_s: float) -> bool:
    """Wait until process `pid` (not our child) has exited; False on timeout."""
    import select

    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout_s)
        return bool(ready)
    finally:
        os.close(pidfd)
