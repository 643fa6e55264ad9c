"""Who may read the API's internal endpoints (`/metrics`).

A request may when it carries `Authorization: Bearer <CODERUNNER_METRICS_TOKEN>`, or when its
client (the peer, or the address a trusted proxy forwarded) is in `CODERUNNER_METRICS_ALLOW`
(loopback by default). Anyone else gets the same 404 as an unknown path. The web server's /api
proxy never forwards it (`coderunner.web.proxy`), and it names the browser's address anyway.
"""

from __future__ import annotations

import hmac

from starlette.types import Scope

from coderunner.config import Settings
from coderunner.kernel.ratelimit import client_ip, is_trusted, parse_networks


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


def may_read_metrics(scope: Scope, settings: Settings) -> bool:
    if settings.metrics_token is not None:
        sent = _bearer(scope)
        expected = settings.metrics_token.get_secret_value()
        if sent is not None and hmac.compare_digest(sent.encode(), expected.encode()):
            return True
    address = client_ip(scope, parse_networks(settings.trusted_proxies))
    return is_trusted(address, parse_networks(settings.metrics_allow))
