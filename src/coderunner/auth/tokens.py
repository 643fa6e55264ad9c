"""JWT (PyJWT, HS256 pinned) and password hashing (pwdlib: Argon2id, bcrypt verified)."""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import jwt
from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

ALGORITHM = "HS256"
TOKEN_TTL = timedelta(days=7)
ISSUER = "coderunner"

# Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): about 20-30 ms of
# one core per hash (docs/adr/0013). Hashes made with other settings (argon2-cffi's default
# 64 MiB x 3 x 4 lanes, ~180 ms) still verify and are re-hashed with these at the next login.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PASSES = 2
ARGON2_LANES = 1
password_hash = PasswordHash(
    (
        Argon2Hasher(
            time_cost=ARGON2_PASSES, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_LANES
        ),
        BcryptHasher(),
    )
)


@cache
def dummy_hash() -> str:
    """Verified against when a username does not exist, so both failures cost the same time.

    Made on first use (an Argon2 hash takes tens of milliseconds), not when this is imported.
    """
    return password_hash.hash("not-a-real-password-" + uuid.uuid4().hex)


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    jti: str
    expires_at: datetime
    epoch: int = 0  # the user's session epoch when issued (tokens from before it existed: 0)


class InvalidToken(Exception):
    pass


def issue_token(
    user_id: str, secret: str, *, now: datetime | None = None, epoch: int = 0
) -> tuple[str, TokenClaims]:
    issued = now or datetime.now(UTC)
    expires = issued + TOKEN_TTL
    jti = uuid.uuid4().hex
    payload = {
        "sub": user_id,
        "jti": jti,
        "iat": issued,
        "nbf": issued - timedelta(seconds=5),
        "exp": expires,
        "iss": ISSUER,
        "ep": epoch,
    }
    token = jwt.encode(payload, secret, algorithm=ALGORITHM)
    return token, TokenClaims(user_id=user_id, jti=jti, expires_at=expires, epoch=epoch)


# where a request keeps its bearer token's claims once decoded (the ASGI scope's "state"), so the
# rate limiter's decode is the auth dependency's too: (token, claims), verified with the app's
# own secret
DECODED_KEY = "coderunner.bearer"


def decoded_once(state: MutableMapping[str, Any], token: str, secret: str) -> TokenClaims:
    """`decode_token` at most once per request: the claims of this very token if an earlier step
    of the request (with the app's secret, the only one a request is checked with) decoded it,
    else decoded now and kept in `state`. A token that fails is never kept: it fails again."""
    found = state.get(DECODED_KEY)
    if found is not None and found[0] == token:
        claims: TokenClaims = found[1]
        return claims
    claims = decode_token(token, secret)
    state[DECODED_KEY] = (token, claims)
    return claims


def decode_token(token: str, secret: str) -> TokenClaims:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "jti", "exp", "iat", "iss"]},
            leeway=5,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    sub, jti, epoch = payload.get("sub"), payload.get("jti"), payload.get("ep", 0)
    if not isinstance(sub, str) or not isinstance(jti, str) or not sub or not jti:
        raise InvalidToken("malformed claims")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise InvalidToken("malformed claims")
    return TokenClaims(
        user_id=sub,
        jti=jti,
        expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        epoch=epoch,
    )


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str | None) -> tuple[bool, str | None]:
    """(valid, new hash when the stored one should be upgraded, e.g. bcrypt -> Argon2id)."""
    if hashed is None:
        password_hash.verify(password, dummy_hash())
        return False, None
    try:
        return password_hash.verify_and_update(password, hashed)
    except (PwdlibError, ValueError):  # an unknown format, or a corrupt bcrypt hash
        return False, None
