"""Whether the service is still starting (its sandbox self-test and queues not ready yet)."""

from __future__ import annotations

from fastapi import FastAPI


def is_starting(app: FastAPI) -> bool:
    """Whether the API's start-up work (e.g. the sandbox self-test) is still running."""
    return bool(getattr(app.state, "starting", False))
