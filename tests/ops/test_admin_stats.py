"""`GET /admin/stats`: the admin page's figures, from the jobs table, for admins only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from coderunner.execution.stats import percentiles


async def test_only_admins_read_the_stats(
    client: httpx.AsyncClient, learner: Any, teacher: Any
) -> None:
    assert (await client.get("/admin/stats")).status_code == 401
    assert (await client.get("/admin/stats", headers=learner.headers)).status_code == 403
    assert (await client.get("/admin/stats", headers=teacher.headers)).status_code == 403


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"execution_rate_limit": 0, "submission_rate_limit": 0}


@pytest.mark.sandbox
async def test_stats_count_finished_jobs(
    client: httpx.AsyncClient, learner: Any, admin: Any
) -> None:
    empty = (await client.get("/admin/stats", headers=admin.headers)).json()
    assert empty["finished"] == 0
    assert empty["successRate"] is None
    assert {q["queue"] for q in empty["queues"]} == {
        "code-execution",
        "code-submission",
        "code-console",
    }
    for code in ("print(1)", "print(1/0)"):
        done = await client.post(
            "/execution/run?wait=true", json={"code": code}, headers=learner.headers
        )
        assert done.status_code == 200, done.text
    stats = (await client.get("/admin/stats?hours=24", headers=admin.headers)).json()
    assert stats["windowHours"] == 24
    assert stats["finished"] == 2
    assert stats["completed"] == 2
    assert stats["successRate"] == 1.0
    assert stats["verdicts"] == {"OK": 1, "RUNTIME_ERROR": 1}
    assert stats["sandboxFailures"] == 0
    assert stats["runTime"]["p50Ms"] > 0
    assert stats["queueWait"]["p99Ms"] >= stats["queueWait"]["p50Ms"] >= 0
    assert (await client.get("/admin/stats?hours=0", headers=admin.headers)).status_code == 422


def test_percentiles() -> None:
    assert percentiles([]).p50_ms is None
    figures = percentiles([i / 1000 for i in range(1, 101)])
    assert (figures.p50_ms, figures.p95_ms, figures.p99_ms) == (51.0, 96.0, 100.0)
