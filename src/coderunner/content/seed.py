"""`coderunner seed`: migrate the database, then sync the curriculum into it."""

from __future__ import annotations

import asyncio

from coderunner.config import Settings
from coderunner.db.engine import create_engine, create_sessionmaker
from coderunner.db.migrate import run_migrations

from .sync import SyncReport, sync_content


async def seed(settings: Settings) -> SyncReport:
    """Apply migrations and load the curriculum in one transaction."""
    await asyncio.to_thread(run_migrations, settings)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            report = await sync_content(session)
            await session.commit()
        return report
    finally:
        await engine.dispose()
