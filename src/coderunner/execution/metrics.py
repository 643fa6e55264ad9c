"""Prometheus metrics of the pipeline (process-wide, on the default registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)

QUEUE_DEPTH = Gauge(
    "coderunner_queue_depth", "Jobs waiting or running, by queue and status", ["queue", "status"]
)
JOBS = Counter("coderunner_jobs_total", "Jobs that reached a status", ["queue", "status"])
VERDICTS = Counter(
    "coderunner_job_verdicts_total", "Verdicts of finished jobs", ["queue", "verdict"]
)
QUEUE_WAIT = Histogram(
    "coderunner_job_queue_wait_seconds",
    "From creation to the start of the attempt that ran it",
    ["queue"],
    buckets=_LATENCY_BUCKETS,
)
RUN_TIME = Histogram(
    "coderunner_job_run_seconds",
    "From claim to result (sandbox and grading)",
    ["queue"],
    buckets=_LATENCY_BUCKETS,
)
RATE_LIMIT_WAIT = Histogram(
    "coderunner_job_rate_limit_wait_seconds",
    "Time a worker waited for the queue's rate limit",
    ["queue"],
    buckets=_LATENCY_BUCKETS,
)
SANDBOX_FAILURES = Counter(
    "coderunner_sandbox_failures_total",
    "Runs the platform could not complete (sandbox unavailable, internal errors)",
    ["queue", "reason"],
)
REJECTIONS = Counter(
    "coderunner_execution_rejections_total",
    "Jobs refused at admission (queue_full: 503, user_cap: 429)",
    ["queue", "reason"],
)
HTTP_RATE_LIMITED = Counter(
    "coderunner_http_rate_limited_total",
    "HTTP requests answered 429 (request rate limits and per-user job caps)",
    ["route"],
)
HTTP_RESPONSES = Counter(
    "coderunner_http_responses_total",
    "HTTP responses of the API by status class (2xx, 3xx, 4xx, 5xx)",
    ["code"],
)
REQUEUES = Counter(
    "coderunner_job_requeues_total",
    "Jobs put back on a queue (stale heartbeat, lost message, retry, shutdown)",
    ["queue", "reason"],
)


def set_depths(depths: dict[tuple[str, str], int], queues: list[str]) -> None:
    for queue in queues:
        for status in ("pending", "processing"):
            QUEUE_DEPTH.labels(queue, status).set(depths.get((queue, status), 0))
