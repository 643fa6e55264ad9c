"""The PostgreSQL and Redis the suite uses, read from the environment."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from redis import Redis
from sqlalchemy.engine import make_url

PG_ADMIN_DSN = os.environ.get("CODERUNNER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CODERUNNER_TEST_REDIS", "redis://127.0.0.1:6379/1")


def worker() -> str:
    """This xdist worker's name (`gw0`, `gw1`...), or `main` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_number() -> int:
    """0 for `gw0` and for a run without xdist, 1 for `gw1`..."""
    name = worker()
    return int(name.removeprefix("gw")) if name.startswith("gw") else 0


def postgres_url(database: str) -> str:
    """The SQLAlchemy (asyncpg) URL of `database` on the admin DSN's server, as its user."""
    url = make_url(PG_ADMIN_DSN).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


async def pg_admin(sql: str) -> None:
    """Run one statement as the admin (CREATE/DROP DATABASE)."""
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named `<prefix>_<worker>_<random>`, dropped afterwards
    (with its connections); yields its SQLAlchemy URL. Not for use inside a running loop."""
    name = f"{prefix}_{worker()}_{secrets.token_hex(4)}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url(name)
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def delete_redis_keys(prefix: str, url: str = REDIS_URL) -> None:
    """Delete every key under `prefix` (what a test's or benchmark's servers left in Redis)."""
    with Redis.from_url(url) as redis:
        keys = list(redis.scan_iter(match=f"{prefix}*"))
        if keys:
            redis.delete(*keys)
