"""`/admin`: the pipeline's health at a glance for a school's admin (figures from /admin/stats)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coderunner.execution.schemas import StatsOut

from ..api_client import ApiError, wire
from ..templating import render
from ..views import api, require_teacher

WINDOWS = (1, 24)
BAR_WIDTH = 240  # px of the widest bar in the SVG charts


def _most(item: tuple[str, int]) -> int:
    return -item[1]


def bars(values: dict[str, float | int | None]) -> list[dict[str, Any]]:
    """Rows for a horizontal SVG bar chart: label, value and bar width (0..BAR_WIDTH)."""
    numbers = {k: float(v) for k, v in values.items() if v is not None}
    top = max(numbers.values(), default=0.0)
    return [
        {
            "label": label,
            "value": values[label],
            "width": round(BAR_WIDTH * number / top) if top > 0 else 0,
        }
        for label, number in numbers.items()
    ]


async def admin_page(request: Request) -> Response:
    user = await require_teacher(request)
    if user.get("role") != "admin":
        raise ApiError(403, "FORBIDDEN", "This page is for admins.")
    hours = 24 if request.query_params.get("hours") == "24" else 1
    stats = await api(request).read(StatsOut, "/admin/stats", hours=hours)
    run, wait = stats.run_time, stats.queue_wait
    charts = {
        "queues": bars(
            {
                f"{q.queue} {state}": getattr(q, state)
                for q in stats.queues
                for state in ("pending", "processing")
            }
        ),
        "verdicts": bars(
            {verdict: count for verdict, count in sorted(stats.verdicts.items(), key=_most)}
        ),
        "run": bars({"p50": run.p50_ms, "p95": run.p95_ms, "p99": run.p99_ms}),
        "wait": bars({"p50": wait.p50_ms, "p95": wait.p95_ms, "p99": wait.p99_ms}),
    }
    rate = stats.success_rate
    context = {
        "stats": wire(stats),
        "charts": charts,
        "hours": hours,
        "windows": WINDOWS,
        "success_percent": None if rate is None else round(rate * 100, 1),
        "bar_width": BAR_WIDTH,
    }
    return render(request, "admin.html", context)


routes = [Route("/admin", admin_page)]
