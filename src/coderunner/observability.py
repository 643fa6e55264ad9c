"""Error reporting to a Sentry-compatible endpoint, off unless a DSN is configured.

Our users are children: an error report carries where the program failed (exception type, stack
of our own code, route, release) and nothing a child typed or is. `scrub` runs on every event
before it leaves the process and keeps only an allow-list of fields: no user, no request body,
headers, cookies or query string, no exception message (a database error quotes the row it
failed on), no local variables, no log message arguments, no breadcrumb data.
"""

from __future__ import annotations

import ast
import json
import logging
from typing import TYPE_CHECKING, Any

import structlog

from coderunner import __version__

if TYPE_CHECKING:
    from coderunner.config import Settings

log = structlog.get_logger("coderunner.observability")

WITHHELD = "[withheld]"
# event keys that say where and what failed, never who or with what input
_KEPT_EVENT_KEYS = frozenset(
    {
        "event_id",
        "timestamp",
        "platform",
        "level",
        "logger",
        "transaction",
        "transaction_info",
        "server_name",
        "release",
        "environment",
        "sdk",
        "modules",
        "contexts",
        "exception",
        "threads",
        "logentry",
        "fingerprint",
        "tags",
        "request",
        "type",
    }
)
_KEPT_CONTEXTS = frozenset({"runtime", "os", "trace"})
_KEPT_FRAME_KEYS = frozenset(
    {"filename", "abs_path", "function", "module", "lineno", "colno", "in_app", "context_line"}
)
_state: dict[str, str | None] = {"dsn": None}


def _frames(container: dict[str, Any]) -> None:
    stack = container.get("stacktrace")
    if isinstance(stack, dict):
        stack["frames"] = [
            {k: v for k, v in frame.items() if k in _KEPT_FRAME_KEYS}
            for frame in stack.get("frames") or []
            if isinstance(frame, dict)
        ]
        for key in list(stack):
            if key != "frames":
                del stack[key]


def _logentry(entry: dict[str, Any]) -> dict[str, Any]:
    """Keep a structlog line's event name only (its other fields may name a child).

    structlog hands the stdlib a dict (its repr reaches the SDK) or a rendered JSON line.
    """
    message = entry.get("message") or entry.get("formatted") or ""
    event = WITHHELD
    parsed: Any = message if isinstance(message, dict) else None
    for parse in (json.loads, ast.literal_eval):
        if parsed is None and isinstance(message, str):
            try:
                parsed = parse(message)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("event"), str):
        event = parsed["event"][:200]
    return {"message": event}


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event with everything but the allow-listed, non-personal fields removed."""
    clean = {k: v for k, v in event.items() if k in _KEPT_EVENT_KEYS}
    request = clean.get("request")
    clean["request"] = (
        {"method": request.get("method")}
        if isinstance(request, dict) and request.get("method")
        else {}
    )
    info = clean.get("transaction_info")
    if not (isinstance(info, dict) and info.get("source") in {"route", "component", "task"}):
        # a raw URL (no route matched) may hold anything; a route template holds no values
        clean.pop("transaction", None)
    contexts = clean.get("contexts")
    if isinstance(contexts, dict):
        clean["contexts"] = {k: v for k, v in contexts.items() if k in _KEPT_CONTEXTS}
    exception = clean.get("exception")
    if isinstance(exception, dict):
        for value in exception.get("values") or []:
            if isinstance(value, dict):
                if value.get("value"):
                    value["value"] = WITHHELD
                _frames(value)
    threads = clean.get("threads")
    if isinstance(threads, dict):
        for thread in threads.get("values") or []:
            if isinstance(thread, dict):
                _frames(thread)
    if isinstance(clean.get("logentry"), dict):
        clean["logentry"] = _logentry(clean["logentry"])
    tags = clean.get("tags")
    if isinstance(tags, dict):
        clean["tags"] = {k: v for k, v in tags.items() if k == "service"}
    return clean


def _breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    return {k: v for k, v in crumb.items() if k in {"timestamp", "category", "level", "type"}}


def dsn_of(settings: Settings | None) -> str | None:
    secret = settings.sentry_dsn if settings is not None else None
    value = secret.get_secret_value().strip() if secret is not None else ""
    return value or None


def setup_error_reporting(settings: Settings | None, service: str) -> bool:
    """Start reporting errors when `CODERUNNER_SENTRY_DSN`/`SENTRY_DSN` is set; else do nothing.

    Idempotent per process (the API and web app factories and the worker all call it).
    """
    dsn = dsn_of(settings)
    if dsn is None or _state["dsn"] == dsn:
        return dsn is not None
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=settings.env if settings is not None else None,
        release=f"coderunner@{__version__}",
        # what integrations may collect (supersedes send_default_pii, which stays off): nothing
        # of the user, no cookies, headers, bodies, query strings, SQL parameters or locals
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "off"}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=scrub,  # type: ignore[arg-type]
        before_breadcrumb=_breadcrumb,
        integrations=[LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
    )
    sentry_sdk.set_tag("service", service)
    _state["dsn"] = dsn
    log.info("error_reporting_on", service=service)
    return True


def stop_error_reporting() -> None:
    """Flush and close the client (tests; processes exit through the SDK's own atexit)."""
    import sentry_sdk

    client = sentry_sdk.get_client()
    client.close(timeout=5)
    _state["dsn"] = None
