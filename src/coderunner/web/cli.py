"""`coderunner web`: run the web process alone (scaled-out mode), talking to the API over HTTP."""

from __future__ import annotations

from typing import Any

import click

# seconds an idle keep-alive connection stays open (as coderunner.api.server.KEEP_ALIVE_S)
KEEP_ALIVE_S = 75


@click.command("web")
@click.option("--host", default=None, help="Interface to listen on [default: $CODERUNNER_HOST].")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on [default: $CODERUNNER_WEB_PORT or 3000].",
)
@click.option(
    "--api-url",
    default=None,
    help="Base URL of the API [default: $CODERUNNER_API_URL or http://127.0.0.1:4000].",
)
def web_command(host: str | None, port: int | None, api_url: str | None) -> None:
    """Serve the web pages, calling the API at --api-url."""
    import uvicorn
    from pydantic import ValidationError

    from ..config import Settings
    from .app import create_web_app

    overrides: dict[str, Any] = {}
    if api_url:
        overrides["api_url"] = api_url
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise click.ClickException(f"invalid configuration: {exc}") from None
    uvicorn.run(
        create_web_app(settings),
        host=host or settings.host,
        port=port or settings.web_port,
        proxy_headers=True,
        forwarded_allow_ips=",".join(settings.trusted_proxies) or "127.0.0.1",
        # longer than nginx keeps an idle upstream connection (60 s): nginx closes it first, and
        # never sends a request on a connection this side is closing (a 502 for a POST)
        timeout_keep_alive=KEEP_ALIVE_S,
    )
