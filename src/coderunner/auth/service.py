"""Auth rules: registration, login, profile updates, logout, roles."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import repository
from coderunner.auth.models import Role, User
from coderunner.auth.names import (
    RESERVED_USERNAME_MESSAGE,
    default_name,
    friendly_name,
    poses_as_staff,
)
from coderunner.auth.password_pool import PasswordPool
from coderunner.auth.revocation import RevocationStore
from coderunner.auth.schemas import ProfileUpdate, RegisterIn
from coderunner.auth.tokens import (
    InvalidToken,
    TokenClaims,
    decode_token,
    decoded_once,
    issue_token,
)
from coderunner.kernel.ages import CHILD_AGE_GROUPS
from coderunner.kernel.errors import AppError, Conflict, NotFound, Unauthorized

INVALID_CREDENTIALS = "invalid username or password"


async def register(
    session: AsyncSession, data: RegisterIn, secret: str, passwords: PasswordPool
) -> tuple[str, User]:
    if poses_as_staff(data.username):
        raise AppError(RESERVED_USERNAME_MESSAGE, code="RESERVED_USERNAME", status_code=422)
    # hashed before the first query: no connection or write lock is held while it waits
    password_hash = await passwords.hash(data.password)
    if await repository.get_user_by_username(session, data.username) is not None:
        raise Conflict("that username is taken", code="USERNAME_TAKEN")
    user = User(
        username=data.username,
        password_hash=password_hash,
        display_name=default_name(data.display_name, data.age_group),
        age_group=data.age_group,
        role=Role.LEARNER,
        leaderboard_opt_out=True,  # the leaderboard is opt-in (privacy by default)
    )
    try:
        async with session.begin_nested():
            await repository.add_user(session, user)
    except IntegrityError:
        raise Conflict("that username is taken", code="USERNAME_TAKEN") from None
    token, _ = issue_token(user.id, secret, epoch=user.session_epoch or 0)
    return token, user


async def account_for_login(session: AsyncSession, username: str) -> User | None:
    """The account a login names (None for no such user: the check still costs the same)."""
    return await repository.get_user_by_username(session, username)


async def login(
    user: User | None, password: str, secret: str, passwords: PasswordPool
) -> tuple[str, User]:
    """A token for `user` if `password` is theirs; one identical error for unknown user or bad
    password. Needs no database: the caller holds none while the pool checks the password."""
    valid, new_hash = await passwords.verify(password, user.password_hash if user else None)
    if user is None or not valid:
        raise Unauthorized(INVALID_CREDENTIALS, code="INVALID_CREDENTIALS")
    if new_hash is not None:
        user.password_hash = new_hash  # saved when the request's unit of work commits
    token, _ = issue_token(user.id, secret, epoch=user.session_epoch)
    return token, user


async def user_for_token(
    session: AsyncSession,
    token: str,
    secret: str,
    revocations: RevocationStore,
    state: MutableMapping[str, Any] | None = None,
) -> tuple[User, TokenClaims]:
    """The token's user and claims (401 otherwise); with the request's `state`, a token the
    request already decoded is not decoded again (`tokens.decoded_once`)."""
    try:
        claims = (
            decode_token(token, secret) if state is None else decoded_once(state, token, secret)
        )
    except InvalidToken:
        raise Unauthorized("invalid or expired token", code="INVALID_TOKEN") from None
    user, revoked = await revocations.holder(session, claims.user_id, claims.jti)
    if user is None:
        raise Unauthorized("invalid or expired token", code="INVALID_TOKEN")
    if revoked or claims.epoch != user.session_epoch:  # logged out, or every session ended
        raise Unauthorized("token has been revoked", code="TOKEN_REVOKED")
    return user, claims


async def logout(session: AsyncSession, claims: TokenClaims, revocations: RevocationStore) -> None:
    await revocations.revoke(session, claims.jti, claims.expires_at)


def end_all_sessions(user: User) -> None:
    """Every token issued to `user` so far stops working at their next request (the epoch is
    in the row every authenticated request loads: no extra query, no cache to clear)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def update_profile(user: User, data: ProfileUpdate) -> User:
    changes = data.model_dump(exclude_unset=True)
    for field in ("display_name", "age_group", "character", "leaderboard_opt_out"):
        if field in changes:
            if field == "leaderboard_opt_out" and changes[field] is None:
                continue
            setattr(user, field, changes[field])
    child = user.age_group in CHILD_AGE_GROUPS
    if user.display_name is None and child and user.role == Role.LEARNER:
        user.display_name = friendly_name()
    return user


async def set_role(session: AsyncSession, user_id: str, role: Role) -> User:
    user = await repository.get_user(session, user_id)
    if user is None:
        raise NotFound("no such user")
    user.role = role
    await session.flush()
    return user


async def get_user(session: AsyncSession, user_id: str) -> User:
    user = await repository.get_user(session, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


async def create_admin(
    session: AsyncSession, username: str, password: str, passwords: PasswordPool
) -> User:
    """Create an admin, or promote and reset the password of an existing user."""
    password_hash = await passwords.hash(password)
    user = await repository.get_user_by_username(session, username)
    if user is None:
        user = User(
            username=username,
            password_hash=password_hash,
            role=Role.ADMIN,
            leaderboard_opt_out=True,
        )
        await repository.add_user(session, user)
    else:
        user.role = Role.ADMIN
        user.password_hash = password_hash
    await session.flush()
    return user
