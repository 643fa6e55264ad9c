"""The request's unit of work: one transaction per request, committed at the edge when the
endpoint returns (rolled back otherwise), and the app's settings, as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coderunner.config import Settings
from coderunner.db.engine import begin_write

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# dependencies are `async def` even when they only read app state: FastAPI runs plain `def`
# dependencies in a worker thread, a thread hand-off per request for nothing
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, else rolled back."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with factory() as session:
        try:
            if request.method not in SAFE_METHODS:
                await begin_write(session)
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the commit runs before the response is sent, so a failed commit is an error
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
