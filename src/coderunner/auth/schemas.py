"""Auth request and response bodies (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from coderunner.auth.names import MAX_LENGTH, clean_display_name
from coderunner.auth.roles import Role
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.characters import Character
from coderunner.kernel.schemas import APIModel, InputModel

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
# what others see: checked and normalised by coderunner.auth.names
DisplayName = Annotated[
    str,
    Field(min_length=1, max_length=4 * MAX_LENGTH),
    AfterValidator(clean_display_name),
]


class RegisterIn(InputModel):
    username: str = Field(pattern=USERNAME_PATTERN, description="3-32 letters, digits, _ . -")
    password: str = Field(min_length=8, max_length=128)
    display_name: DisplayName | None = None
    age_group: AgeGroup | None = None


class LoginIn(InputModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class ProfileUpdate(InputModel):
    """What a user may change about themselves (never their role)."""

    display_name: DisplayName | None = None
    age_group: AgeGroup | None = None
    character: Character | None = None
    leaderboard_opt_out: bool | None = None


class RoleUpdate(InputModel):
    role: Role


class UserOut(APIModel):
    id: str
    username: str
    display_name: str | None
    age_group: str | None
    role: Role
    character: Character | None
    leaderboard_opt_out: bool
    created_at: datetime


class TokenOut(APIModel):
    token: str
    user: UserOut


class LogoutOut(APIModel):
    revoked: bool
