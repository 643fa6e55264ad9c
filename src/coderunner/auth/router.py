"""/auth routes: thin; rules live in `service`."""

from __future__ import annotations

from fastapi import APIRouter, Request

from coderunner.auth import service
from coderunner.auth.deps import (
    AdminUser,
    CurrentUser,
    PasswordsDep,
    RevocationsDep,
    StaffUser,
    TokenClaimsDep,
)
from coderunner.auth.password_pool import PasswordsBusy
from coderunner.auth.schemas import (
    LoginIn,
    LogoutOut,
    ProfileUpdate,
    RegisterIn,
    RoleUpdate,
    TokenOut,
    UserOut,
)
from coderunner.auth.teaching import may_act_on_learner
from coderunner.auth.throttle import LoginThrottle
from coderunner.kernel.errors import AppError, NotFound, RateLimited
from coderunner.kernel.ratelimit import RateLimiter
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep, SettingsDep, end_read

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERROR_RESPONSES)


def _address(request: Request) -> str:
    return str(getattr(request.state, "client_ip", None) or "unknown")


async def _guard(request: Request, username: str) -> LoginThrottle:
    """The sign-in throttle (on the app's rate-limit storage); 429 while this pair must wait."""
    limiter: RateLimiter = request.app.state.limiter
    logins = LoginThrottle(limiter.storage, request.app.state.settings)
    retry_after = await logins.retry_after(username, _address(request))
    if retry_after is not None:
        raise RateLimited(
            retry_after,
            f"Too many tries that didn't work. Wait {retry_after} seconds, then try again.",
        )
    return logins


@router.post("/register", response_model=TokenOut, status_code=201)
async def register(
    body: RegisterIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
) -> TokenOut:
    logins = await _guard(request, body.username)
    try:
        token, user = await service.register(session, body, settings.secret, passwords)
    except PasswordsBusy:
        raise  # not a failed try: nothing was checked
    except AppError:  # e.g. probing taken usernames: counted for the address only
        await logins.failed(None, _address(request))
        raise
    return TokenOut(token=token, user=UserOut.model_validate(user))


@router.post("/login", response_model=TokenOut)
async def login(
    body: LoginIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
) -> TokenOut:
    logins = await _guard(request, body.username)
    account = await service.account_for_login(session, body.username)
    await end_read(session)  # no connection or write lock held while the password is checked
    try:
        token, user = await service.login(account, body.password, settings.secret, passwords)
    except PasswordsBusy:
        raise  # not a failed try: nothing was checked
    except AppError:
        await logins.failed(body.username, _address(request))
        raise
    await logins.succeeded(body.username, _address(request))
    return TokenOut(token=token, user=UserOut.model_validate(user))


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.patch("/me", response_model=UserOut)
async def update_me(body: ProfileUpdate, user: CurrentUser, session: SessionDep) -> UserOut:
    service.update_profile(user, body)
    await session.flush()
    return UserOut.model_validate(user)


@router.post("/logout", response_model=LogoutOut)
async def logout(
    claims: TokenClaimsDep, session: SessionDep, revocations: RevocationsDep
) -> LogoutOut:
    await service.logout(session, claims, revocations)
    return LogoutOut(revoked=True)


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(user_id: str, staff: StaffUser, session: SessionDep) -> UserOut:
    """Admins: anyone; teachers: themselves and learners of the classes they teach."""
    if user_id != staff.id and not await may_act_on_learner(session, staff, user_id):
        raise NotFound("no such user")
    return UserOut.model_validate(await service.get_user(session, user_id))


@router.patch("/users/{user_id}/role", response_model=UserOut)
async def set_role(
    user_id: str, body: RoleUpdate, _admin: AdminUser, session: SessionDep
) -> UserOut:
    return UserOut.model_validate(await service.set_role(session, user_id, body.role))
