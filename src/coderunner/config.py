"""The one settings class, read from the environment (seed names plus our `CODERUNNER_` ones).

Nothing happens on import: `load_settings()` builds and validates a `Settings`, and resolves the
JWT secret (generating one into the data dir when none is configured).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# ConfigError lives beside the sandbox settings, whose pydantic-free reader raises it too
from coderunner.sandbox_settings import FIELDS as SANDBOX_FIELDS
from coderunner.sandbox_settings import HEADER, problem_line
from coderunner.sandbox_settings import ConfigError as ConfigError

Environment = Literal["development", "production", "test"]

SECRET_FILE_NAME = "jwt_secret"  # noqa: S105 (a file name, not a secret)
MIN_SECRET_LENGTH = 32
_WEAK_WORDS = (
    "secret",
    "changeme",
    "change-me",
    "change_me",
    "password",
    "default",
    "example",
    "jwt",
    "test",
    "admin",
    "qwerty",
    "123456",
    "abcdef",
    "letmein",
)
_LOG_LEVELS = {
    "debug": "debug",
    "http": "info",
    "verbose": "debug",
    "info": "info",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "critical": "critical",
}


def _env(name: str) -> Any:
    """A field read from env var `name` (and settable by its field name in code)."""
    return AliasChoices(name)


def _sandbox(name: str) -> Any:
    """A field of `coderunner.sandbox_settings.FIELDS` (its default, bounds and variable)."""
    spec = SANDBOX_FIELDS[name]
    return Field(spec.default, ge=spec.ge, gt=spec.gt, le=spec.le, validation_alias=_env(spec.env))


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=None,
        extra="ignore",
        populate_by_name=True,
        validate_default=True,
        frozen=False,
    )

    # seed names
    port: int = Field(4000, ge=1, le=65535, validation_alias=_env("PORT"))
    database_url: str = Field("", validation_alias=_env("DATABASE_URL"))
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))
    jwt_secret: SecretStr | None = Field(None, validation_alias=_env("JWT_SECRET"))
    cors_origin: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_env("CORS_ORIGIN")
    )
    rate_limit_window_ms: int = Field(60_000, ge=1, validation_alias=_env("RATE_LIMIT_WINDOW_MS"))
    rate_limit_max_requests: int = Field(
        100, ge=0, validation_alias=_env("RATE_LIMIT_MAX_REQUESTS")
    )
    max_pending_jobs: int = Field(100, ge=1, validation_alias=_env("MAX_PENDING_JOBS"))
    log_level: str = Field("info", validation_alias=_env("LOG_LEVEL"))
    log_dir: Path | None = Field(None, validation_alias=_env("LOG_DIR"))

    # execution pipeline (seed names)
    execution_concurrency: int = Field(5, ge=1, validation_alias=_env("EXECUTION_CONCURRENCY"))
    execution_rate_limit: float = Field(10.0, ge=0, validation_alias=_env("EXECUTION_RATE_LIMIT"))
    submission_concurrency: int = Field(3, ge=1, validation_alias=_env("SUBMISSION_CONCURRENCY"))
    submission_rate_limit: float = Field(5.0, ge=0, validation_alias=_env("SUBMISSION_RATE_LIMIT"))

    # ours
    data_dir: Path = Field(Path(".data"), validation_alias=_env("CODERUNNER_DATA_DIR"))
    env: Environment = Field("development", validation_alias=_env("CODERUNNER_ENV"))
    web_port: int = Field(3000, ge=1, le=65535, validation_alias=_env("CODERUNNER_WEB_PORT"))
    host: str = Field("127.0.0.1", min_length=1, validation_alias=_env("CODERUNNER_HOST"))
    api_url: str = Field("http://127.0.0.1:4000", validation_alias=_env("CODERUNNER_API_URL"))
    # the web's cookies carry Secure even over plain HTTP (behind a TLS proxy that does not
    # forward the scheme)
    secure_cookies: bool = Field(False, validation_alias=_env("CODERUNNER_SECURE_COOKIES"))
    # seconds the web waits for the API on a page or form, then a 503 that says so (live event
    # streams have no limit); longer than every wait the API bounds itself (a password hash 5 s
    # in the queue, a database lock 5 s, a pooled connection 10 s), so the API answers first
    web_api_timeout_s: float = Field(
        15.0, gt=0, le=300, validation_alias=_env("CODERUNNER_WEB_API_TIMEOUT_S")
    )
    # seconds a request waits for a pooled database connection before its 503 + Retry-After:
    # under the web's wait for the API, so the API answers first
    db_pool_timeout_s: float = Field(
        10.0, gt=0, le=300, validation_alias=_env("CODERUNNER_DB_POOL_TIMEOUT_S")
    )
    # seconds a SQLite writer waits for the write lock before its 503 + Retry-After
    db_lock_timeout_s: float = Field(
        5.0, gt=0, le=300, validation_alias=_env("CODERUNNER_DB_LOCK_TIMEOUT_S")
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_env("CODERUNNER_TRUSTED_PROXIES")
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, validation_alias=_env("CODERUNNER_MAX_BODY_BYTES")
    )
    max_user_pending_jobs: int = Field(
        5, ge=1, validation_alias=_env("CODERUNNER_MAX_USER_PENDING_JOBS")
    )
    embedded_workers: bool = Field(True, validation_alias=_env("CODERUNNER_EMBEDDED_WORKERS"))
    # false (the default): the API listens at once and answers "starting" (503 + Retry-After)
    # until its sandbox self-test passed; true: it listens only once ready (in-process tests)
    ready_before_listen: bool = Field(
        False, validation_alias=_env("CODERUNNER_READY_BEFORE_LISTEN")
    )
    # the sandbox's (coderunner.sandbox_settings: `coderunner exec` reads them without pydantic)
    sandbox_uid: int = _sandbox("sandbox_uid")
    # host uids sandbox_uid .. sandbox_uid + slots - 1: one per concurrent run (per-user limits)
    sandbox_uid_slots: int = _sandbox("sandbox_uid_slots")
    sandbox_bwrap: str = _sandbox("sandbox_bwrap")
    # pre-warmed sandboxes (ADR 0014) per pooled kind, 0 = none; a waiting one older than the
    # max idle age is destroyed, never used; the languages pooled: "all" (those with a
    # pooledRun in languages.yaml whose files the host has) or comma-separated keys
    sandbox_pool_size: int = _sandbox("sandbox_pool_size")
    sandbox_pool_max_idle_s: float = _sandbox("sandbox_pool_max_idle_s")
    sandbox_pool_languages: str = _sandbox("sandbox_pool_languages")
    # CPU per run (cores; the cgroup quota) and what all runs together weigh against the host's
    # other processes (cgroup v2 scale, 100 = an ordinary group): with the time limit judged on
    # CPU time, a high weight keeps verdicts the same on a busy host
    sandbox_cpu_cores: float = _sandbox("sandbox_cpu_cores")
    sandbox_cpu_weight: int = _sandbox("sandbox_cpu_weight")
    # the wall-clock backstop for programs that sleep or wait: factor x time limit + 1 s
    sandbox_wall_factor: float = _sandbox("sandbox_wall_factor")
    # a run with ?wait=true answers within this; a job's event stream ends after the cap
    execution_wait_s: float = Field(
        10.0, gt=0, le=300, validation_alias=_env("CODERUNNER_EXECUTION_WAIT_S")
    )
    execution_events_cap_s: float = Field(
        300.0, gt=0, le=3600, validation_alias=_env("CODERUNNER_EXECUTION_EVENTS_CAP_S")
    )
    # the console (Run with answers typed as the program asks): it ends after this long with
    # nothing printed, typed or computed, and never lasts longer than the session limit
    console_idle_s: float = Field(
        60.0, gt=0, le=3600, validation_alias=_env("CODERUNNER_CONSOLE_IDLE_S")
    )
    console_session_s: float = Field(
        600.0, gt=0, le=7200, validation_alias=_env("CODERUNNER_CONSOLE_SESSION_S")
    )
    # consoles at once per process (queue code-console), apart from the code-execution and
    # code-submission workers: open consoles never take a Run's or a Submit's worker (5 + 3 + 4
    # runs and 2 x 2 pooled sandboxes fill the 16 sandbox uids)
    console_concurrency: int = Field(
        4, ge=1, le=256, validation_alias=_env("CODERUNNER_CONSOLE_CONCURRENCY")
    )
    # a stopping worker finishes its running jobs within this
    worker_shutdown_deadline_s: float = Field(
        20.0, ge=0, le=3600, validation_alias=_env("CODERUNNER_WORKER_SHUTDOWN_DEADLINE_S")
    )
    job_heartbeat_s: float = Field(5, gt=0, validation_alias=_env("CODERUNNER_JOB_HEARTBEAT_S"))
    job_stale_s: float = Field(30, gt=0, validation_alias=_env("CODERUNNER_JOB_STALE_S"))
    job_max_attempts: int = Field(3, ge=1, validation_alias=_env("CODERUNNER_JOB_MAX_ATTEMPTS"))
    max_code_bytes: int = Field(65536, ge=1, validation_alias=_env("CODERUNNER_MAX_CODE_BYTES"))
    max_stdin_bytes: int = Field(65536, ge=0, validation_alias=_env("CODERUNNER_MAX_STDIN_BYTES"))
    # saves of drafts per user and minute (0: no limit beyond the default one); the problem page
    # saves 1.5 s after typing stops, at most every 5 s per tab
    draft_saves_per_minute: int = Field(
        60, ge=0, le=10_000, validation_alias=_env("CODERUNNER_DRAFT_SAVES_PER_MINUTE")
    )
    # seconds of a heartbeat gap counted as active time at most (learning sessions)
    session_heartbeat_cap_s: int = Field(
        120, ge=1, validation_alias=_env("CODERUNNER_SESSION_HEARTBEAT_CAP_S")
    )
    # failed sign-ins per (username, address), then back-off (coderunner.auth.throttle)
    auth_failure_limit: int = Field(5, ge=1, validation_alias=_env("CODERUNNER_AUTH_FAILURE_LIMIT"))
    # failed sign-ins per address for any username (a class shares one), then back-off
    auth_address_failure_limit: int = Field(
        50, ge=1, validation_alias=_env("CODERUNNER_AUTH_ADDRESS_FAILURE_LIMIT")
    )
    # password hashing (coderunner.auth.password_pool): hashes at once (0: one per core, at most
    # 4), hashes allowed to wait beyond those, and the longest wait before a 503 + Retry-After
    password_workers: int = Field(
        0, ge=0, le=64, validation_alias=_env("CODERUNNER_PASSWORD_WORKERS")
    )
    password_queue: int = Field(64, ge=0, validation_alias=_env("CODERUNNER_PASSWORD_QUEUE"))
    password_wait_s: float = Field(
        5.0, gt=0, le=60, validation_alias=_env("CODERUNNER_PASSWORD_WAIT_S")
    )
    # seconds in which the same code submitted again to an unchanged problem gets the earlier
    # result instead of a new run (0: always run)
    resubmit_window_s: float = Field(
        120, ge=0, le=3600, validation_alias=_env("CODERUNNER_RESUBMIT_WINDOW_S")
    )
    # error reports to a Sentry-compatible endpoint (off when unset; see coderunner.observability)
    sentry_dsn: SecretStr | None = Field(
        None, validation_alias=AliasChoices("CODERUNNER_SENTRY_DSN", "SENTRY_DSN")
    )
    # /metrics: readable with this bearer token, or from these addresses/networks (the client as
    # resolved through CODERUNNER_TRUSTED_PROXIES); never through the web server's /api proxy
    metrics_token: SecretStr | None = Field(None, validation_alias=_env("CODERUNNER_METRICS_TOKEN"))
    metrics_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        validation_alias=_env("CODERUNNER_METRICS_ALLOW"),
    )
    # /docs, /redoc and /openapi.json: on by default, off by default when CODERUNNER_ENV=production
    api_docs: bool | None = Field(None, validation_alias=_env("CODERUNNER_API_DOCS"))
    # the Judge0 API may call a submission's callback_url (public addresses only); off by default
    judge0_callbacks: bool = Field(False, validation_alias=_env("CODERUNNER_JUDGE0_CALLBACKS"))
    # key prefix for everything this service keeps in Redis
    redis_prefix: str = Field("coderunner", validation_alias=_env("CODERUNNER_REDIS_PREFIX"))

    # the fields given by the environment or by the caller (not defaults); see `is_set`
    _given: frozenset[str] | None = PrivateAttr(default=None)

    @field_validator("cors_origin", "trusted_proxies", "metrics_allow", mode="before")
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> str:
        level = str(value).strip().lower()
        if level not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(sorted(_LOG_LEVELS))}")
        return _LOG_LEVELS[level]

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _redis_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not str(value).startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    # derived values -------------------------------------------------------------------------

    def is_set(self, name: str) -> bool:
        """Whether field `name` was given (environment or argument) rather than defaulted."""
        given = self._given if self._given is not None else self.model_fields_set
        return name in given

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env != "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def rate_limit_window_s(self) -> int:
        return max(1, -(-self.rate_limit_window_ms // 1000))

    @property
    def secret(self) -> str:
        """The resolved JWT secret (set by `load_settings`)."""
        if self.jwt_secret is None:
            raise ConfigError("JWT_SECRET: not resolved; build settings with load_settings()")
        return self.jwt_secret.get_secret_value()


def weak_secret_reason(secret: str) -> str | None:
    """Why `secret` is too weak to sign tokens outside development, or None."""
    if len(secret) < MIN_SECRET_LENGTH:
        return f"must be at least {MIN_SECRET_LENGTH} characters (got {len(secret)})"
    lowered = secret.lower()
    if len(set(secret)) < 8:
        return "is made of too few distinct characters"
    if re.fullmatch(r"(.+?)\1+", secret):
        return "is a repeated pattern"
    for word in _WEAK_WORDS:
        if word in lowered:
            return f"contains the weak word {word!r}"
    return None


def _resolve_secret(settings: Settings) -> None:
    if settings.jwt_secret is not None:
        reason = weak_secret_reason(settings.jwt_secret.get_secret_value())
        if reason and not settings.is_development:
            raise ConfigError(f"JWT_SECRET: {reason}; refused outside development")
        return
    if settings.env == "production" and settings.redis_url:
        # scaled out: every API process must verify every other's tokens
        raise ConfigError(
            "JWT_SECRET: required in production when REDIS_URL is set (several API processes "
            "must share one secret); generate one with: openssl rand -base64 48"
        )
    settings.jwt_secret = SecretStr(load_or_create_secret(settings.data_dir))


def load_or_create_secret(data_dir: Path) -> str:
    """Read the secret kept in `data_dir`, creating it (mode 0600) on first use."""
    path = data_dir / SECRET_FILE_NAME
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


def _format_error(error: ValidationError) -> str:
    lines = [HEADER]
    env_names = {
        name: (
            field.validation_alias.choices[0]
            if isinstance(field.validation_alias, AliasChoices)
            else name
        )
        for name, field in Settings.model_fields.items()
    }
    for item in error.errors():
        loc = str(item["loc"][0]) if item["loc"] else "?"
        env_name = env_names.get(loc, loc)
        lines.append(problem_line(str(env_name), item["msg"], item.get("input")))
    return "\n".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment (and `overrides`), validated; raise ConfigError."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc)) from None
    settings._given = frozenset(settings.model_fields_set)
    settings.data_dir = settings.data_dir.expanduser().resolve()
    if not settings.database_url:
        settings.database_url = f"sqlite+aiosqlite:///{settings.data_dir / 'coderunner.db'}"
    if settings.job_stale_s <= settings.job_heartbeat_s:
        raise ConfigError(
            "invalid configuration:\n  CODERUNNER_JOB_STALE_S: must be greater than "
            f"CODERUNNER_JOB_HEARTBEAT_S ({settings.job_heartbeat_s})"
        )
    _resolve_secret(settings)
    return settings
