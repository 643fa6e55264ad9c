"""Idle connections are always closed by the client side, never by the server under it.

A server that closes an idle keep-alive connection just as the client sends a request on it
resets that request; nginx cannot tell whether a POST was run and answers 502 (found as stray
resets in `make loadtest`). So each hop's client keeps idle connections for less time than the
server behind it: nginx's upstream `keepalive_timeout` and the web process's httpx pool under
the API and web processes' keep-alive.
"""

from __future__ import annotations

import re

from coderunner.api.server import KEEP_ALIVE_S, make_server
from coderunner.web.app import API_KEEPALIVE_S
from coderunner.web.cli import KEEP_ALIVE_S as WEB_KEEP_ALIVE_S

from .conftest import DEPLOY

NGINX_DEFAULT_UPSTREAM_KEEPALIVE_S = 60
CONFIGS = [DEPLOY / "nginx" / "coderunner.conf", DEPLOY / "compose" / "nginx-compose.conf"]


def _upstream_keepalive_timeouts(text: str) -> list[int]:
    timeouts = []
    for block in re.findall(r"upstream\s+\S+\s*\{(.*?)\}", text, flags=re.DOTALL):
        found = re.search(r"^\s*keepalive_timeout\s+(\d+)s?\s*;", block, flags=re.MULTILINE)
        timeouts.append(int(found.group(1)) if found else NGINX_DEFAULT_UPSTREAM_KEEPALIVE_S)
    return timeouts


def test_nginx_closes_idle_upstream_connections_before_the_processes_do() -> None:
    server = make_server(object(), "127.0.0.1", 0)
    assert server.config.timeout_keep_alive == KEEP_ALIVE_S
    for config in CONFIGS:
        timeouts = _upstream_keepalive_timeouts(config.read_text())
        assert len(timeouts) == 2, config  # the API's and the web's upstreams
        assert max(timeouts) < min(KEEP_ALIVE_S, WEB_KEEP_ALIVE_S), (config, timeouts)


def test_the_web_process_drops_idle_api_connections_before_the_api_does() -> None:
    assert API_KEEPALIVE_S < KEEP_ALIVE_S
