"""A service-wide refusal passes through nginx as an answer and takes no process out of rotation.

Our API answers 503 + Retry-After by design when the whole service refuses something: the queue
is full, Redis, the queues or the sandbox are down (running code is refused while logins, pages
and progress still work: docs/deploy.md), `/health` is degraded. Every status nginx's
`proxy_next_upstream` lists counts as a failed attempt for `max_fails`, even for a POST it will
not pass on: with 503 listed, two refused runs took both processes out of rotation for
`fail_timeout`, and nginx then answered its own error page to every request, logins and pages
included (ADR 0020).

Debian's nginx runs the shipped deploy/nginx/coderunner.conf (ports moved to free ones) in front
of stub processes in this test's own event loop, not real API and web processes: what is
checked is nginx's bookkeeping of answers, and a stub can answer a run with the service-wide 503
on demand, without an outage staged in Redis, workers and sandboxes (tests/ops/test_gateway.py
runs the same file in front of real processes, for dead and restarting ones). The stubs answer
as ours do: a POST of a run, a refusal (503, Retry-After, our JSON error shape); `/health`,
503 degraded; a page the API answered oddly, the web's 502 page; anything else, 200.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.ports import HeldPort
from tests.support.waiting import wait_until

from .nginx import render_site, write_main_config

# each refusal is asked this many times through each door: with 503 counted as a failure, two
# took both processes out (max_fails=1)
REFUSALS = 6
# the stubs' own Retry-After: nginx's error pages say 5
STUB_RETRY_AFTER = "7"
REFUSED = {"error": {"code": "QUEUE_FULL", "message": "Lots of code is running. Try again soon."}}
UNAVAILABLE = {"error": {"code": "UNAVAILABLE", "message": "Running code is not available now."}}
DEGRADED = {"status": "degraded", "checks": {"redis": {"status": "down"}}}


@dataclass
class Stub:
    """An HTTP/1.1 process stand-in (keep-alive, as nginx's upstream connections are)."""

    name: str
    server: asyncio.Server | None = None
    seen: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def _answer(self, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
        json_type = {"content-type": "application/json"}
        refused = {**json_type, "retry-after": STUB_RETRY_AFTER}
        if method == "POST" and path.endswith("/execution/run"):
            return 503, refused, json.dumps(REFUSED).encode()
        if path.endswith("/events"):  # live job events while Redis is down
            return 503, refused, json.dumps(UNAVAILABLE).encode()
        if path == "/health":
            return 503, refused, json.dumps(DEGRADED).encode()
        if path == "/odd-page":
            return 502, {"content-type": "text/html"}, b"<p>The server sent something odd.</p>"
        return 200, json_type, json.dumps({"process": self.name}).encode()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = dict(
                    (k.strip().lower(), v.strip())
                    for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
                )
                await reader.readexactly(int(headers.get("content-length", "0")))
                self.seen.append(f"{method} {path}")
                status, out, body = self._answer(method, path.split("?", 1)[0])
                out = {**out, "x-process": self.name, "content-length": str(len(body))}
                writer.write(
                    f"HTTP/1.1 {status} Status\r\n".encode()
                    + "".join(f"{k}: {v}\r\n" for k, v in out.items()).encode()
                    + b"\r\n"
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@dataclass
class Doors:
    internal: str
    public: str
    apis: list[Stub]
    webs: list[Stub]
    prefix: Path


@pytest.fixture
async def doors(tmp_path: Path) -> AsyncIterator[Doors]:
    apis, webs = [Stub("api0"), Stub("api1")], [Stub("web0"), Stub("web1")]
    for stub in (*apis, *webs):
        await stub.start()
    internal, public = HeldPort(), HeldPort()
    prefix = tmp_path / "nginx"
    site = render_site([s.port for s in apis], [s.port for s in webs], internal.port, public.port)
    main = write_main_config(prefix, site)
    internal.release()
    public.release()
    with (tmp_path / "nginx.out").open("wb") as out:
        nginx = subprocess.Popen(
            ["nginx", "-p", str(prefix), "-c", str(main), "-e", str(prefix / "logs" / "error.log")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        found = Doors(
            f"http://127.0.0.1:{internal.port}",
            f"http://127.0.0.1:{public.port}",
            apis,
            webs,
            prefix,
        )

        async def answers() -> bool:
            assert nginx.poll() is None, (tmp_path / "nginx.out").read_text()
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    await client.get(f"{found.internal}/ready")
                    await client.get(f"{found.public}/ready")
            except httpx.TransportError:
                return False
            return True

        await wait_until(answers, "nginx to listen", within_s=60)
        # the probes above reached a process each; no process is out of rotation yet
        for stub in (*apis, *webs):
            stub.seen.clear()
        yield found
    finally:
        nginx.terminate()
        nginx.wait(20)
        for stub in (*apis, *webs):
            await stub.stop()


def _assert_the_process_answered(response: httpx.Response, what: str) -> None:
    """The stub's own refusal reached the client: its body, its Retry-After, its name."""
    detail = f"{what}: {response.status_code} {dict(response.headers)} {response.text[:300]}"
    assert response.status_code == 503, detail
    assert response.headers.get("x-process"), detail  # not nginx's own error page
    assert response.headers.get("retry-after") == STUB_RETRY_AFTER, detail
    assert response.json() in (REFUSED, UNAVAILABLE, DEGRADED), detail


async def _refusals_then_a_read(
    client: httpx.AsyncClient, refused: list[tuple[str, str]], read: str, log: Path
) -> None:
    """Each refusal twice in a row (nginx balances the two to both processes), then a read."""
    for i in range(REFUSALS):
        method, url = refused[i % len(refused)]
        for _ in range(2):
            response = await client.request(method, url, json={"code": "print(1)"})
            _assert_the_process_answered(response, f"{method} {url} #{i}")
        page = await client.get(read)
        detail = f"GET {read} after {2 * (i + 1)} refusals: {page.status_code} {page.text[:300]}"
        assert page.status_code == 200, detail + "\n" + log.read_text()[-2000:]
        assert page.headers.get("x-process"), detail


def _refused_and_read(stub: Stub, refusal: str, read: str) -> None:
    assert any(s.startswith(refusal) for s in stub.seen), (stub.name, stub.seen)
    assert any(s.startswith(read) for s in stub.seen), (stub.name, stub.seen)


async def test_refusals_through_the_internal_door_leave_every_api_process_in_rotation(
    doors: Doors,
) -> None:
    """What the web processes (and probes) meet during a Redis outage: refused runs, live
    events refused, `/health` degraded. Each reaches the client as the process's own answer,
    and a read through the same door still reaches a process after each."""
    log = doors.prefix / "logs" / "access.log"
    async with httpx.AsyncClient(timeout=30) as client:
        await _refusals_then_a_read(
            client,
            [
                ("POST", f"{doors.internal}/execution/run"),
                ("GET", f"{doors.internal}/health"),
                ("GET", f"{doors.internal}/execution/j1/events"),
            ],
            f"{doors.internal}/auth/me",
            log,
        )
    for stub in doors.apis:  # both processes refused, and neither was skipped afterwards
        _refused_and_read(stub, "POST /execution/run", "GET /auth/me")


async def test_refusals_through_the_public_door_leave_every_web_process_in_rotation(
    doors: Doors,
) -> None:
    """The same refusals through the web's /api proxy, which passes the API's answer on."""
    log = doors.prefix / "logs" / "access.log"
    async with httpx.AsyncClient(timeout=30) as client:
        await _refusals_then_a_read(
            client,
            [
                ("POST", f"{doors.public}/api/execution/run"),
                ("GET", f"{doors.public}/api/execution/j1/events"),
            ],
            f"{doors.public}/api/auth/me",
            log,
        )
    for stub in doors.webs:
        _refused_and_read(stub, "POST /api/execution/run", "GET /api/auth/me")


async def test_a_page_the_api_answered_oddly_leaves_the_web_processes_in_rotation(
    doors: Doors,
) -> None:
    """A web process answers 502 for a page whose API answer it could not read (a bug or a
    half-done upgrade: the same on every process). nginx hands it to the browser, takes no web
    process out of rotation for it, and the next page still comes from a process."""
    log = doors.prefix / "logs" / "access.log"
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(REFUSALS):
            odd = await client.get(f"{doors.public}/odd-page")
            assert odd.status_code == 502, (i, odd.text)
            assert odd.headers.get("x-process"), (i, odd.text)
            page = await client.get(f"{doors.public}/levels")
            assert page.status_code == 200, (i, page.text, log.read_text()[-2000:])
