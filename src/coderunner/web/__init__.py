"""The web process: server-rendered pages over the API, and a same-origin proxy to it."""

from __future__ import annotations

from .app import create_web_app

__all__ = ["create_web_app"]
