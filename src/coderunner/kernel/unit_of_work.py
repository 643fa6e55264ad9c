"""The request's unit of work: one transaction per request, committed at the edge when the
endpoint returns (rolled back otherwise), and the app's settings, as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coderunner.config import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# dependencies are `async def` even when they only read app state: FastAPI runs plain `def`
# dependencies in a worker thread, a thread hand-off per request for nothing
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, else rolled back.

    A request that may write gets a writer session (SQLite: BEGIN IMMEDIATE, `db.engine.writer`);
    it connects at its first statement, so nothing is held while the endpoint does work before
    it (a password hash).
    """
    state = request.app.state
    writes = request.method not in SAFE_METHODS
    factory: async_sessionmaker[AsyncSession] = (
        state.write_sessionmaker if writes else state.sessionmaker
    )
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def end_read(session: AsyncSession) -> None:
    """At the edge, before slow work that needs no database (a password check): end the
    request's transaction so its connection goes back to the pool and a SQLite write lock is
    released. Only while nothing is written yet; loaded objects stay usable, and the next
    statement begins the unit of work anew (committed when the endpoint returns, as usual)."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_read: the session has unsaved changes")
    await session.commit()


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the commit runs before the response is sent, so a failed commit is an error
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
