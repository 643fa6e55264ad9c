"""The real app's fixtures, for every suite (registered in tests/conftest.py): the app over
SQLite *and* PostgreSQL (`database_url` is parametrized), an HTTP client, accounts, a problem.

Each xdist worker migrates one SQLite file and one fresh PostgreSQL database
(`coderunner_test_<worker>_<random>`, dropped at the end); every test starts from empty tables.
A suite changes the app's settings by overriding `settings_overrides`.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from coderunner.api.app import create_app
from coderunner.auth.models import Role, User
from coderunner.auth.tokens import hash_password, issue_token
from coderunner.config import Settings, load_settings
from coderunner.db.migrate import upgrade_url
from coderunner.db.registry import metadata

from .env import scratch_database

TEST_SECRET = "tq8Zr3xVb1N4mK7pL0sD9fG2hJ5wE6yUoIaPcBnM1vX4zQ7rT0eW3uY6iO9pA2sD"  # strong, 64 chars
PASSWORD = "correct-horse-battery"
METRICS_TOKEN = "metrics-Zk4pQ9wX2vB7nR5t"  # /metrics needs it from a non-loopback client
METRICS_HEADERS = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite") / "test.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_url(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with scratch_database("coderunner_test") as url:
        upgrade_url(url)
        yield url


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "env": "test",
        "jwt_secret": TEST_SECRET,
        "rate_limit_max_requests": 10_000,
        "redis_url": None,
        "log_level": "warning",
        "metrics_token": METRICS_TOKEN,
        # in-process apps are ready when their lifespan starts (no "starting" phase to wait out)
        "ready_before_listen": True,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module (or parametrize) to change the app's settings."""
    return {}


@pytest.fixture
def settings(database_url: str, tmp_path: Path, settings_overrides: dict[str, Any]) -> Settings:
    return make_settings(database_url, tmp_path / "data", **settings_overrides)


def sessions(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    """The app's session factory (typed: `app.state` is not)."""
    factory: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    return factory


async def _empty(engine: AsyncEngine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f'DELETE FROM "{table}"'))


async def empty_database(url: str) -> None:
    """Empty every table *before* an app starts: a previous test's queued jobs would otherwise be
    re-sent at start-up and graded by the new app's worker while its tables are truncated (on
    PostgreSQL the grading transaction and the TRUNCATE then deadlock)."""
    engine = create_async_engine(url)
    try:
        await _empty(engine)
    finally:
        await engine.dispose()


async def truncate_all(app: FastAPI) -> None:
    """Empty every table of a started app (what its start-up wrote too)."""
    await _empty(app.state.engine)


# `?wait=true` answers with the finished job only within the pipeline's window (10 s); on a loaded
# machine a run can take longer, and the tests assert the finished answer: theirs is generous
WAIT_TRUE_S = 120.0


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    await empty_database(settings.database_url)
    application = create_app(settings)
    # generous windows: on a loaded 2-core machine start-up and shutdown can take many seconds
    async with LifespanManager(application, startup_timeout=120, shutdown_timeout=120):
        await truncate_all(application)
        pipeline = getattr(application.state, "execution", None)
        if pipeline is not None:
            pipeline.options.wait_s = WAIT_TRUE_S
        yield application


@asynccontextmanager
async def running_app(
    settings: Settings, client: tuple[str, int] = ("10.1.2.3", 5555)
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An app of a test's own settings, started (lifespan, generous windows) on empty tables, with
    an HTTP client that calls it from `client` (address, port)."""
    await empty_database(settings.database_url)
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=120, shutdown_timeout=120):
        await truncate_all(application)
        transport = httpx.ASGITransport(app=application, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield application, c


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class Account:
    id: str
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, **extra: Any
) -> Account:
    response = await client.post(
        "/auth/register", json={"username": username, "password": password, **extra}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(id=body["user"]["id"], username=username, token=body["token"])


async def set_role(app: FastAPI, user_id: str, role: Role) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(update(User).where(User.id == user_id).values(role=role))
        await session.commit()


@functools.cache
def password_hash() -> str:
    """One real Argon2id hash of PASSWORD per test process (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


async def create_account(
    app: FastAPI, username: str, role: Role = Role.LEARNER, **fields: Any
) -> Account:
    """A user straight in the database with a real token (registration has its own tests)."""
    async with app.state.sessionmaker() as session:
        user = User(
            username=username,
            password_hash=password_hash(),
            role=role,
            leaderboard_opt_out=False,
            **fields,
        )
        session.add(user)
        await session.commit()
    token, _ = issue_token(user.id, TEST_SECRET)
    return Account(id=user.id, username=username, token=token)


@pytest.fixture
async def learner(app: FastAPI) -> Account:
    return await create_account(app, "learner1", age_group="10-12")


@pytest.fixture
async def teacher(app: FastAPI) -> Account:
    return await create_account(app, "teacher1", Role.TEACHER)


@pytest.fixture
async def admin(app: FastAPI) -> Account:
    return await create_account(app, "admin1", Role.ADMIN)


SECRET_MARKERS = ("HIDDEN-INPUT-7781", "HIDDEN-OUTPUT-7781", "REFERENCE-SOLUTION-7781")


def problem_payload(problem_id: str = "reverse-word", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": problem_id,
        "title": "Reverse a word",
        "ageGroup": "10-12",
        "levelNumber": 1,
        "order": 1,
        "statement": "Print the word backwards.",
        "starterCode": "word = input()\n",
        "hints": ["Slices can step backwards."],
        "concepts": ["strings", "slicing"],
        "difficulty": "easy",
        "xp": 15,
        "comparison": {"mode": "trailing"},
        "referenceSolution": "print(input()[::-1])  # REFERENCE-SOLUTION-7781",
        "tests": [
            {"name": "visible one", "input": "abc", "expectedOutput": "cba"},
            {
                "name": "secret",
                "input": "HIDDEN-INPUT-7781",
                "expectedOutput": "HIDDEN-OUTPUT-7781",
                "hidden": True,
            },
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
async def problem(client: httpx.AsyncClient, teacher: Account) -> dict[str, Any]:
    level = {"ageGroup": "10-12", "number": 1, "title": "Strings", "concepts": ["strings"]}
    response = await client.post("/levels", json=level, headers=teacher.headers)
    assert response.status_code == 201, response.text
    response = await client.post("/problems", json=problem_payload(), headers=teacher.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
