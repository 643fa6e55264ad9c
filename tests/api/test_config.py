"""Settings: seed env names, validation messages, JWT secret policy and generation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from coderunner.config import (
    SECRET_FILE_NAME,
    ConfigError,
    load_settings,
    weak_secret_reason,
)

STRONG = "Vq3xN8pL2mZ7rT5wK9sD4fG6hJ1bC0yUeAoIuQxW"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PORT",
        "DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET",
        "CORS_ORIGIN",
        "RATE_LIMIT_WINDOW_MS",
        "RATE_LIMIT_MAX_REQUESTS",
        "LOG_LEVEL",
        "LOG_DIR",
        "CODERUNNER_ENV",
        "CODERUNNER_DATA_DIR",
        "CODERUNNER_TRUSTED_PROXIES",
        "EXECUTION_RATE_LIMIT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.port == 4000
    assert settings.web_port == 3000
    assert settings.host == "127.0.0.1"
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'coderunner.db'}"
    assert settings.redis_url is None
    assert settings.rate_limit_window_ms == 60_000
    assert settings.rate_limit_max_requests == 100
    assert settings.max_pending_jobs == 100
    assert (settings.execution_concurrency, settings.execution_rate_limit) == (5, 10.0)
    assert (settings.submission_concurrency, settings.submission_rate_limit) == (3, 5.0)
    assert settings.embedded_workers is True
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.env == "development"


def test_reads_seed_and_prefixed_env_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "4100")
    monkeypatch.setenv("CORS_ORIGIN", "https://a.example, https://b.example")
    monkeypatch.setenv("CODERUNNER_TRUSTED_PROXIES", "10.0.0.1,10.0.0.0/8")
    monkeypatch.setenv("RATE_LIMIT_MAX_REQUESTS", "0")
    monkeypatch.setenv("EXECUTION_RATE_LIMIT", "0")
    monkeypatch.setenv("LOG_LEVEL", "warn")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/2")
    monkeypatch.setenv("CODERUNNER_DATA_DIR", str(tmp_path / "d"))
    settings = load_settings()
    assert settings.port == 4100
    assert settings.cors_origin == ["https://a.example", "https://b.example"]
    assert settings.trusted_proxies == ["10.0.0.1", "10.0.0.0/8"]
    assert settings.rate_limit_max_requests == 0
    assert settings.execution_rate_limit == 0.0
    assert settings.log_level == "warning"
    assert settings.redis_url == "redis://127.0.0.1:6379/2"
    assert settings.data_dir == (tmp_path / "d").resolve()


def test_every_bad_value_gets_its_own_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORT", "not-a-port")
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    monkeypatch.setenv("RATE_LIMIT_WINDOW_MS", "-5")
    with pytest.raises(ConfigError) as caught:
        load_settings(data_dir=tmp_path)
    message = str(caught.value)
    for name in ("PORT:", "LOG_LEVEL:", "DATABASE_URL:", "RATE_LIMIT_WINDOW_MS:"):
        assert name in message
    assert "'not-a-port'" in message


@pytest.mark.parametrize(
    "secret",
    [
        "short-but-random-Xy7",
        "a" * 48,
        "abcabcabcabcabcabcabcabcabcabcabcabc",
        "my-super-secret-key-for-jwt-signing-2024",
        "changeme-changeme-changeme-changeme-1234",
        "Password1234567890Password1234567890",
    ],
)
def test_weak_secrets_refused_in_production(tmp_path: Path, secret: str) -> None:
    assert weak_secret_reason(secret) is not None
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        load_settings(data_dir=tmp_path, env="production", jwt_secret=secret)
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        load_settings(data_dir=tmp_path, env="test", jwt_secret=secret)


def test_weak_secret_tolerated_in_development(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, env="development", jwt_secret="dev")
    assert settings.secret == "dev"


def test_strong_secret_accepted_in_production(tmp_path: Path) -> None:
    assert weak_secret_reason(STRONG) is None
    settings = load_settings(data_dir=tmp_path, env="production", jwt_secret=STRONG)
    assert settings.secret == STRONG
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_generated_secret_is_persisted_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    first = load_settings(data_dir=data_dir, env="production")
    path = data_dir / SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert weak_secret_reason(first.secret) is None
    assert len(first.secret) >= 48
    second = load_settings(data_dir=data_dir, env="production")
    assert second.secret == first.secret
    other = load_settings(data_dir=tmp_path / "elsewhere")
    assert other.secret != first.secret


def test_job_timing_must_be_consistent(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CODERUNNER_JOB_STALE_S"):
        load_settings(data_dir=tmp_path, job_heartbeat_s=10, job_stale_s=5)


def test_scaled_out_production_needs_an_explicit_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET: required"):
        load_settings(data_dir=tmp_path, env="production", redis_url="redis://127.0.0.1:6379/0")
    assert not (tmp_path / SECRET_FILE_NAME).exists()
    ok = load_settings(
        data_dir=tmp_path, env="production", redis_url="redis://127.0.0.1:6379/0", jwt_secret=STRONG
    )
    assert ok.secret == STRONG
