"""Revoked token ids, in the database: the source of truth in every mode.

Not in Redis: a Redis outage must not stop authentication (every authenticated request checks
revocation) and a Redis restart without persistence must not bring logged-out tokens back. The
check costs nothing extra: one query loads the token's user and whether its id is revoked
(docs/adr/0006-degrade-never-500.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import RevokedToken, User


class RevocationStore(Protocol):
    async def revoke(self, session: AsyncSession, jti: str, expires_at: datetime) -> None: ...

    async def is_revoked(self, session: AsyncSession, jti: str) -> bool: ...

    async def holder(
        self, session: AsyncSession, user_id: str, jti: str
    ) -> tuple[User | None, bool]:
        """(the token's user if it exists, whether the token is revoked)."""
        ...


# built once: every authenticated request runs it
_HOLDER = select(User, exists().where(RevokedToken.jti == bindparam("jti"))).where(
    User.id == bindparam("user_id")
)


class DatabaseRevocationStore:
    """Rows in `revoked_tokens`, written in the request's transaction."""

    async def revoke(self, session: AsyncSession, jti: str, expires_at: datetime) -> None:
        await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < _now()))
        if await session.get(RevokedToken, jti) is None:
            session.add(RevokedToken(jti=jti, expires_at=expires_at))
        await session.flush()

    async def is_revoked(self, session: AsyncSession, jti: str) -> bool:
        found = await session.scalar(select(RevokedToken.jti).where(RevokedToken.jti == jti))
        return found is not None

    async def holder(
        self, session: AsyncSession, user_id: str, jti: str
    ) -> tuple[User | None, bool]:
        """One query for both: every authenticated request asks it."""
        row = (await session.execute(_HOLDER, {"user_id": user_id, "jti": jti})).first()
        return (row[0], bool(row[1])) if row is not None else (None, False)


def _now() -> datetime:
    return datetime.now(UTC)
