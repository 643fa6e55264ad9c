"""FastAPI dependencies as `Annotated` aliases: the caller (from the bearer token) and roles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import service as auth_service
from coderunner.auth.models import Role, User
from coderunner.auth.password_pool import PasswordPool
from coderunner.auth.revocation import RevocationStore
from coderunner.auth.tokens import TokenClaims
from coderunner.config import Settings
from coderunner.kernel.errors import Forbidden, Unauthorized
from coderunner.kernel.unit_of_work import SessionDep, SettingsDep

bearer = HTTPBearer(auto_error=False, description="JWT from /auth/login or /auth/register")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def get_revocations(request: Request) -> RevocationStore:
    store: RevocationStore = request.app.state.revocations
    return store


RevocationsDep = Annotated[RevocationStore, Depends(get_revocations)]


async def get_passwords(request: Request) -> PasswordPool:
    pool: PasswordPool = request.app.state.passwords
    return pool


PasswordsDep = Annotated[PasswordPool, Depends(get_passwords)]


async def _authenticate(
    request: Request,
    session: AsyncSession,
    credentials: HTTPAuthorizationCredentials | None,
    settings: Settings,
    revocations: RevocationStore,
) -> tuple[User, TokenClaims] | None:
    if credentials is None:
        return None
    user, claims = await auth_service.user_for_token(
        session,
        credentials.credentials,
        settings.secret,
        revocations,
        request.scope.setdefault("state", {}),
    )
    request.state.user_id = user.id
    request.state.token_claims = claims
    return user, claims


async def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Credentials,
    settings: SettingsDep,
    revocations: RevocationsDep,
) -> User:
    found = await _authenticate(request, session, credentials, settings, revocations)
    if found is None:
        raise Unauthorized()
    return found[0]


async def get_optional_user(
    request: Request,
    session: SessionDep,
    credentials: Credentials,
    settings: SettingsDep,
    revocations: RevocationsDep,
) -> User | None:
    found = await _authenticate(request, session, credentials, settings, revocations)
    return found[0] if found else None


CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_token_claims(request: Request, user: CurrentUser) -> TokenClaims:
    claims: TokenClaims = request.state.token_claims
    return claims


TokenClaimsDep = Annotated[TokenClaims, Depends(get_token_claims)]


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency that lets only users with one of `roles` through (403 otherwise)."""
    allowed = frozenset(roles)

    async def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden("you are not allowed to do this")
        return user

    return check


StaffUser = Annotated[User, Depends(require_role(Role.TEACHER, Role.ADMIN))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]
