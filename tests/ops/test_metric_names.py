"""Every metric the dashboard and the alert rules query is one the API exports at /metrics, with
labels it has: a renamed metric would otherwise leave a blank panel and an alert that never fires.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml
from asgi_lifespan import LifespanManager

from coderunner.api.app import create_app
from coderunner.execution import metrics
from tests.support.app import make_settings

from .conftest import DEPLOY
from .test_deploy_files import as_promql, dashboard_exprs

# Prometheus' own series and PromQL words that look like names
BUILTIN_SERIES = {"up"}
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "group_left",
    "group_right", "and", "or", "unless", "rate", "increase", "irate", "histogram_quantile",
    "absent", "bool", "offset", "le", "humanizePercentage",
}  # fmt: skip
SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")


def alert_exprs() -> list[str]:
    doc = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [rule["expr"] for group in doc["groups"] for rule in group["rules"]]


def exported_series(text: str) -> set[str]:
    """Series names in an exposition, histogram and counter suffixes included."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            names.add(name)
            if kind == "histogram":
                names.update({f"{name}_bucket", f"{name}_count", f"{name}_sum"})
            if kind == "counter":
                names.update({f"{name}_total", name.removesuffix("_total") + "_total"})
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def label_names() -> dict[str, set[str]]:
    """Our metrics' label names, by every series name they export."""
    out: dict[str, set[str]] = {}
    for value in vars(metrics).values():
        names = getattr(value, "_labelnames", None)
        base = getattr(value, "_name", None)
        if names is None or base is None:
            continue
        for suffix in ("", "_total", "_bucket", "_count", "_sum"):
            out[base + suffix] = set(names) | ({"le"} if suffix == "_bucket" else set())
    return out


def used(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names in its selector) for each series an expression reads."""
    expr = re.sub(r'"[^"]*"', '""', as_promql(expr))
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = GROUPING.sub("", expr)
    found = []
    for match in SELECTOR.finditer(expr):
        name, selector = match.group(1), match.group(2) or ""
        if name in PROMQL_WORDS or re.fullmatch(r"\d+[smhd]?", name):
            continue
        found.append((name, set(LABEL.findall(selector))))
    return found


@pytest.fixture
async def metrics_text(sqlite_url: str, tmp_path: Path) -> str:
    app = create_app(make_settings(sqlite_url, tmp_path / "data"))
    async with LifespanManager(app, startup_timeout=60):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            await c.get("/health")
            response = await c.get("/metrics")
            assert response.status_code == 200
            return response.text


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
async def test_every_queried_metric_is_exported(metrics_text: str, source: str) -> None:
    exprs = dashboard_exprs() if source == "dashboard" else alert_exprs()
    exported = exported_series(metrics_text) | BUILTIN_SERIES
    labels = label_names()
    seen: set[str] = set()
    for expr in exprs:
        for name, selector_labels in used(expr):
            seen.add(name)
            assert name in exported, f"{source}: {name} is not in /metrics ({expr})"
            if name in labels:
                unknown = selector_labels - labels[name]
                assert not unknown, f"{source}: {name} has no label {unknown} ({expr})"
        for group in GROUPING.findall(as_promql(expr)):
            for label in filter(None, (part.strip() for part in group.split(","))):
                known = set().union(*(labels.get(n, set()) for n, _ in used(expr)))
                assert label in known | {"instance", "job"}, f"{source}: by ({label}) in {expr}"
    assert len(seen - BUILTIN_SERIES) >= 5, seen


def test_the_name_check_catches_a_renamed_metric() -> None:
    exported = exported_series("# TYPE coderunner_jobs_total counter\n")
    assert [n for n, _ in used('sum(rate(coderunner_job_total{status="x"}[5m]))')] == [
        "coderunner_job_total"
    ]
    assert "coderunner_job_total" not in exported
    assert "coderunner_jobs_total" in exported
