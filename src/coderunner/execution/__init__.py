"""The execution pipeline: jobs, queues, workers, grading, live status.

`setup(app, settings)` wires it into the API app (router, /metrics, health checks and, in
embedded mode, the in-process workers and sweeper). Importing this package has no side effects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from coderunner.config import Settings


def setup(app: FastAPI, settings: Settings) -> None:
    """Add the /execution routes, /metrics, health checks and the worker lifecycle to `app`."""
    from coderunner.execution.app import setup as _setup

    _setup(app, settings)


__all__ = ["setup"]
