"""The API app factory: `create_app(settings)`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from redis.asyncio import ConnectionPool, Redis
from starlette.middleware.cors import CORSMiddleware

from coderunner import __version__, execution
from coderunner.api import health
from coderunner.api.errors import install_error_handlers
from coderunner.api.middleware import (
    BodySizeLimitMiddleware,
    RejectNulMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from coderunner.api.ratelimit import RateLimitMiddleware
from coderunner.auth.password_pool import PasswordPool
from coderunner.auth.revocation import DatabaseRevocationStore
from coderunner.auth.router import router as auth_router
from coderunner.celebrations.router import router as celebrations_router
from coderunner.cheatsheets.router import router as cheatsheets_router
from coderunner.classes.router import challenges_router
from coderunner.classes.router import router as classes_router
from coderunner.config import Settings
from coderunner.db.engine import create_engine, create_sessionmaker, writer
from coderunner.drafts.router import router as drafts_router
from coderunner.judge0.router import router as judge0_router
from coderunner.kernel.ratelimit import build_limiter
from coderunner.learning.router import router as learning_router
from coderunner.lessons.router import router as lessons_router
from coderunner.levels.router import router as levels_router
from coderunner.observability import setup_error_reporting
from coderunner.problems.router import router as problems_router
from coderunner.progress.router import router as progress_router
from coderunner.sessions.router import router as sessions_router

log = structlog.get_logger("coderunner.api")

REDIS_TIMEOUT_S = 5.0

ROUTERS = (
    auth_router,
    levels_router,
    problems_router,
    sessions_router,
    drafts_router,
    progress_router,
    cheatsheets_router,
    learning_router,
    celebrations_router,
    classes_router,
    challenges_router,
    lessons_router,
    judge0_router,
)


def _lifespan(settings: Settings) -> object:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        # one pool for everything Redis (rate limits, health); closed below. Nothing here
        # blocks on Redis, so a Redis that accepts and never answers fails a request in
        # seconds (an outage: 503) instead of holding it forever.
        pool = (
            ConnectionPool.from_url(
                settings.redis_url,
                socket_connect_timeout=REDIS_TIMEOUT_S,
                socket_timeout=REDIS_TIMEOUT_S,
            )
            if settings.redis_url
            else None
        )
        redis = Redis(connection_pool=pool) if pool is not None else None
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        # for requests that write: connects and locks at the first statement, not at the start
        app.state.write_sessionmaker = create_sessionmaker(writer(engine))
        app.state.passwords = PasswordPool.from_settings(settings)
        app.state.redis = redis
        app.state.limiter = build_limiter(settings, pool)
        # in the database even with Redis: authentication must survive a Redis outage
        app.state.revocations = DatabaseRevocationStore()
        health.install_default_checks(app)
        try:
            for hook in list(app.state.startup_hooks):
                await hook(app)
            log.info("api_started", database=engine.dialect.name, redis=redis is not None)
            yield
        finally:
            for hook in reversed(list(app.state.shutdown_hooks)):
                try:
                    await hook(app)
                except Exception:
                    log.exception("shutdown_hook_failed")
            app.state.passwords.close()
            if redis is not None and pool is not None:
                await redis.aclose()
                await pool.disconnect()
            await engine.dispose()
            log.info("api_stopped")

    return lifespan


def create_app(settings: Settings) -> FastAPI:
    """Build the API. Engine, Redis and limiter are opened in the lifespan, not here."""
    setup_error_reporting(settings, "api")
    app = FastAPI(
        title="Code Runner API",
        version=__version__,
        description="Learn to program: problems, levels, progress and sandboxed execution.",
        lifespan=_lifespan(settings),  # type: ignore[arg-type]
        # internal in production: CODERUNNER_API_DOCS switches them (coderunner.config)
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.state.settings = settings
    # extension points for other packages (e.g. `coderunner.execution.setup(app, settings)`):
    # hooks are `async (app) -> None`, run after the engine/Redis open and before they close
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    app.state.health_checks = {}  # name -> `async () -> dict`; see coderunner.api.health
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(health.router)

    # added inner -> outer: the last one added sees the request first
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(RateLimitMiddleware, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-Auth-Token"],
        expose_headers=["X-Request-ID", "Retry-After"],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(RequestContextMiddleware)
    # /execution, /metrics, its health checks and workers; last, so its 429 counter sees all
    execution.setup(app, settings)
    return app
