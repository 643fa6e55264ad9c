"""Child-friendly explanations of errors, from the curriculum's `coderunner.explain`."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import structlog

log = structlog.get_logger("coderunner.execution.explaining")


def _explain() -> Any:
    try:
        module = importlib.import_module("coderunner.explain")
    except ImportError:
        return None
    return getattr(module, "explain", None)


def _as_dict(found: Any) -> dict[str, Any]:
    to_dict = getattr(found, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    dump = getattr(found, "model_dump", None)
    if callable(dump):
        return dict(dump(by_alias=True))
    if dataclasses.is_dataclass(found) and not isinstance(found, type):
        return dataclasses.asdict(found)
    return {"message": str(found)}


def explanation_for(
    stderr: str, verdict: str, code: str, age_group: str | None, language: str = "python"
) -> dict[str, Any] | None:
    """The explanation as JSON, or None when there is none (or explanations aren't installed)."""
    explain = _explain()
    if explain is None:
        return None
    try:
        found = explain(stderr, verdict, code, age_group, language)
    except Exception:  # an explanation is a bonus: never fail a job for it
        log.exception("explain_failed")
        return None
    return None if found is None else _as_dict(found)
