"""`health_heartbeat`: one row per process name that `/health` rewrites to prove the database
can still write (a read-only check says "ok" on a full disk)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base, UTCDateTime, utcnow
from coderunner.db.engine import begin_write


class HealthHeartbeat(Base):
    __tablename__ = "health_heartbeat"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)


async def write_heartbeat(session: AsyncSession, name: str) -> None:
    """Rewrite (or create) `name`'s row and commit: fails when the database cannot write."""
    await begin_write(session)
    now = utcnow()
    result = await session.execute(
        update(HealthHeartbeat)
        .where(HealthHeartbeat.name == name)
        .values(beat_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) == 0:
        session.add(HealthHeartbeat(name=name, beat_at=now))
    await session.commit()
