"""bench/outside.py, the pipeline benchmark's outside client: a small process, a new connection
per request, every answer checked (a reused result or a wrong output is an error, not a figure).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

OUTSIDE = Path(__file__).resolve().parents[2] / "bench" / "outside.py"


class Recorder:
    def __init__(self, stdout: str = "1\n", reused: bool = False) -> None:
        self.stdout = stdout
        self.reused = reused
        self.connections = 0
        self.requests: list[tuple[str, str, bytes]] = []
        self.lock = threading.Lock()


@contextmanager
def fake_api(recorder: Recorder) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive unless the client says otherwise

        def setup(self) -> None:
            super().setup()
            with recorder.lock:
                recorder.connections += 1

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with recorder.lock:
                recorder.requests.append((self.path, self.headers["Authorization"], body))
            job = {"type": "run", "status": "completed", "result": {"stdout": recorder.stdout}}
            data = json.dumps(job).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if recorder.reused:
                self.send_header("X-Result-Reused", "true")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def outside(url: str, *more: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-I", "-S", str(OUTSIDE), "http", "--url", url]
    argv += ["--path", "/execution/run?wait=true", "--body-json", '{"code": "print(1)"}']
    return subprocess.run([*argv, *more], capture_output=True, text=True, timeout=120)


def test_each_request_opens_its_own_connection() -> None:
    recorder = Recorder()
    with fake_api(recorder) as url:
        done = outside(url, "--token", "a", "--token", "b", "--runs", "3")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert len(figures["samples"]) == 6
    assert recorder.connections == 6
    assert sorted(auth for _, auth, _ in recorder.requests) == ["Bearer a"] * 3 + ["Bearer b"] * 3
    assert {body for _, _, body in recorder.requests} == {b'{"code": "print(1)"}'}


def test_a_reused_result_or_a_wrong_output_is_an_error() -> None:
    for recorder in (Recorder(reused=True), Recorder(stdout="2\n")):
        with fake_api(recorder) as url:
            done = outside(url, "--token", "a", "--runs", "1")
        assert done.returncode != 0
        assert "reused" in done.stderr or "unexpected output" in done.stderr


def test_bare_runs_the_command_and_checks_its_output() -> None:
    argv = [sys.executable, "-I", "-S", "-c", "print(1)"]
    args = [sys.executable, "-I", "-S", str(OUTSIDE), "bare", "--argv-json", json.dumps(argv)]
    done = subprocess.run([*args, "--runs", "4"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert len(figures["samples"]) == 4
    assert figures["runsPerS"] > 0
    wrong = subprocess.run(
        [*args, "--runs", "1", "--expect", "2\n"], capture_output=True, text=True, timeout=120
    )
    assert wrong.returncode != 0
    assert "unexpected output" in wrong.stderr
