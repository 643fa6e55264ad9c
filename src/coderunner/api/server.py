"""Run one or more ASGI apps as uvicorn servers in one event loop, with our signal handling."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Generator, Sequence

import structlog
import uvicorn

log = structlog.get_logger("coderunner.server")


class Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to `serve_all`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


# seconds an idle keep-alive connection stays open: longer than the clients in front keep theirs
# (nginx's upstream keepalive_timeout 60 s, the web's httpx pool 5 s), so it is always the client
# that closes an idle connection, never the server just as the client sends a request on it
# (a reset the client cannot tell from a failure: nginx answers a POST with 502)
KEEP_ALIVE_S = 75


def make_server(app: object, host: str, port: int) -> Server:
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        proxy_headers=False,  # X-Forwarded-For is read only from trusted proxies, by us
        server_header=False,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=15,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    return Server(config)


async def serve_all(servers: Sequence[Server]) -> None:
    """Serve until SIGTERM/SIGINT (graceful; a second signal forces) or one server stops."""
    loop = asyncio.get_running_loop()

    def stop(sig: signal.Signals) -> None:
        log.info("shutdown_signal", signal=sig.name)
        for server in servers:
            if server.should_exit:
                server.force_exit = True
            server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig)
    try:
        tasks = [asyncio.create_task(s.serve()) for s in servers]
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for server in servers:  # one stopped (or failed to start): stop the others too
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()
        if any(not s.started for s in servers):
            raise SystemExit(1)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
