"""Wiring into the API app: router, /metrics, health checks, 429 counting, worker lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coderunner.config import Settings
from coderunner.execution import metrics, repository, stats
from coderunner.execution.console_router import router as console_router
from coderunner.execution.pipeline import Pipeline
from coderunner.execution.router import router
from coderunner.kernel.errors import error_response
from coderunner.kernel.internal import may_read_metrics
from coderunner.sandbox import SandboxUnavailableError, get_sandbox, selftest_report

log = structlog.get_logger("coderunner.execution")


class RateLimitedCounter:
    """Counts answers by status class, and 429s (rate limits, job caps) by first path part."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message.get("status", 500))
                metrics.HTTP_RESPONSES.labels(f"{status // 100}xx").inc()
                if status == 429:
                    parts = str(scope.get("path", "")).strip("/").split("/")
                    metrics.HTTP_RATE_LIMITED.labels("/" + parts[0]).inc()
            await send(message)

        await self.app(scope, receive, counting_send)


def sandbox_check() -> Any:
    async def check() -> dict[str, Any]:
        report, error = selftest_report()
        if error is not None:
            return {"status": "error", "detail": error}
        if report is None:
            return {"status": "error", "detail": "self-test has not run"}
        return {"status": "ok" if report.ok else "error", **report.to_dict()}

    return check


def queues_check(pipeline: Pipeline) -> Any:
    async def check() -> dict[str, Any]:
        async with pipeline.sessionmaker() as session:
            depths = await repository.depths(session)
        queues = {
            q: {
                "pending": depths.get((q, "pending"), 0),
                "processing": depths.get((q, "processing"), 0),
                "concurrency": pipeline.concurrency(q),
                "full": depths.get((q, "pending"), 0) >= pipeline.settings.max_pending_jobs,
            }
            for q in pipeline.queues.queues
        }
        metrics.set_depths(depths, pipeline.queues.queues)
        return {
            "status": "ok",
            "maxPendingJobs": pipeline.settings.max_pending_jobs,
            "workers": "embedded" if pipeline.run_jobs else "external",
            "transport": "redis" if pipeline.queues.distributed else "in-process",
            "queues": queues,
        }

    return check


async def metrics_endpoint(request: Request) -> Response:
    if not may_read_metrics(request.scope, request.app.state.settings):
        return error_response(404, "NOT_FOUND", "Not Found")
    pipeline: Pipeline | None = getattr(request.app.state, "execution", None)
    if pipeline is not None:
        try:
            async with pipeline.sessionmaker() as session:
                metrics.set_depths(await repository.depths(session), pipeline.queues.queues)
        except Exception as exc:  # noqa: BLE001 - metrics are served even if the depths are not
            log.warning("queue_depth_refresh_failed", error=type(exc).__name__)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _self_test() -> None:
    try:
        await asyncio.to_thread(get_sandbox)
    except SandboxUnavailableError as exc:
        log.error("sandbox_unavailable", reason=str(exc))


def setup(app: FastAPI, settings: Settings) -> None:
    app.include_router(router)
    app.include_router(console_router)
    app.include_router(stats.router)
    app.add_api_route(
        "/metrics",
        metrics_endpoint,
        methods=["GET"],
        tags=["health"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={
            200: {
                "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
                "description": "Prometheus text exposition format",
            }
        },
    )
    app.add_middleware(RateLimitedCounter)

    async def open_pipeline() -> Pipeline:
        """Start the pipeline, retrying while its database or Redis is down (when ready before
        listening, a failure fails the start-up instead)."""
        delay = 0.5
        while True:
            pipeline = Pipeline(
                settings, app.state.sessionmaker, run_jobs=settings.embedded_workers
            )
            try:
                await pipeline.start()
                return pipeline
            except Exception as exc:
                if settings.ready_before_listen:
                    raise
                log.warning("pipeline_start_failed", error=repr(exc), retry_in=delay)
                with contextlib.suppress(Exception):
                    await pipeline.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def not_open() -> dict[str, Any]:
        return {"status": "down", "detail": "the job queues are not open yet (is Redis down?)"}

    async def boot(app: FastAPI) -> None:
        try:
            await _self_test()
        finally:
            # "starting" is the self-test: from here the API serves (readiness says so); queues
            # that cannot open yet (Redis down at start) are a degraded part, not a start-up
            app.state.health_checks["sandbox"] = sandbox_check()
            app.state.health_checks["queues"] = not_open
            app.state.starting = False
        if not settings.embedded_workers and not settings.redis_url:
            log.error("no_workers", detail="embedded workers are off and REDIS_URL is not set")
        pipeline = await open_pipeline()
        app.state.execution = pipeline
        app.state.health_checks["queues"] = queues_check(pipeline)
        log.info("api_ready")

    async def start(app: FastAPI) -> None:
        # /health says "starting" and job requests answer 503 + Retry-After until boot is done
        app.state.starting = True
        if settings.ready_before_listen:
            await boot(app)
        else:  # listen at once: the self-test takes seconds
            app.state.execution_boot = asyncio.create_task(boot(app), name="execution-boot")

    async def stop(app: FastAPI) -> None:
        booting: asyncio.Task[None] | None = getattr(app.state, "execution_boot", None)
        if booting is not None and not booting.done():
            booting.cancel()
        if booting is not None:
            await asyncio.gather(booting, return_exceptions=True)
        pipeline: Pipeline | None = getattr(app.state, "execution", None)
        if pipeline is not None:
            app.state.execution = None
            await pipeline.stop()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
