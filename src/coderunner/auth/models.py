"""Users and revoked token ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Enum, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

# Role is auth.roles' (the schemas read it without the tables); imported here by many
from coderunner.auth.roles import Role as Role
from coderunner.db.base import Base, UTCDateTime, new_id, utcnow
from coderunner.kernel.characters import Character


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(64))
    age_group: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.LEARNER,
    )
    character: Mapped[Character | None] = mapped_column(
        Enum(
            Character, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        )
    )
    # opt-in: nobody is on a leaderboard until they choose to be
    leaderboard_opt_out: Mapped[bool] = mapped_column(Boolean, default=True)
    # every token carries the epoch it was issued in; raising it (a teacher resets the
    # password) ends every session the user had open, at once
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevokedToken(Base):
    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# usernames are unique regardless of case
Index("uq_users_username_lower", func.lower(User.username), unique=True)
