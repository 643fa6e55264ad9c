"""`coderunner web`: run the web process alone (scaled-out mode)."""

from __future__ import annotations

import os

import click


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=3000,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--api-url",
    default=None,
    help="Base URL of the API [default: $CODERUNNER_API_URL or http://127.0.0.1:4000].",
)
def web_command(host: str, port: int, api_url: str | None) -> None:
    """Serve the web pages on HOST:PORT, talking to the API at --api-url."""
    import types

    import uvicorn

    from .app import DEFAULT_API_URL, create_web_app

    settings = types.SimpleNamespace(
        api_url=api_url or os.environ.get("CODERUNNER_API_URL", DEFAULT_API_URL)
    )
    uvicorn.run(create_web_app(settings), host=host, port=port)
