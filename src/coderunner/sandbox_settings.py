"""The sandbox's settings: one table, and a reader of them that does not import pydantic.

`coderunner.config.Settings` builds its sandbox fields from `FIELDS` (names, defaults, bounds).
`read()` reads the same fields from the environment for `coderunner exec`, a process per call
that must cost milliseconds, not the ~0.2 s of importing pydantic-settings. It looks a value up
as pydantic-settings does for `Settings` (the variable's name, else the field's name, each
without regard to case; no settings file). A value in the plain form (ASCII digits, and at most
one decimal point inside a float) within its bounds is taken as it is; any other is checked by
pydantic against the same table, so a value means the same, and a bad one gets the same message,
on both paths (tests/test_settings_source.py holds them to it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HEADER = "invalid configuration:"


class ConfigError(ValueError):
    """The configuration is invalid; `str()` lists every bad value, one per line."""


def problem_line(env_name: str, message: str, value: object) -> str:
    """One line of a `ConfigError` (as `coderunner.config.load_settings` writes them)."""
    shown = "" if isinstance(value, dict) else f" (got {value!r})"
    return f"  {env_name}: {message}{shown}"


@dataclass(frozen=True, slots=True)
class Spec:
    """A field: its environment variable, type, default and bounds (None: unbounded)."""

    env: str
    kind: type[int] | type[float] | type[str]
    default: int | float | str
    ge: int | None = None
    gt: int | None = None
    le: int | None = None

    def within(self, value: float) -> bool:
        return (
            (self.ge is None or value >= self.ge)
            and (self.gt is None or value > self.gt)
            and (self.le is None or value <= self.le)
        )


# Settings' field name -> spec, in Settings' order (see config.py for what each one does)
FIELDS: dict[str, Spec] = {
    "sandbox_uid": Spec("CODERUNNER_SANDBOX_UID", int, 64000, ge=1),
    "sandbox_uid_slots": Spec("CODERUNNER_SANDBOX_UID_SLOTS", int, 32, ge=1, le=1024),
    "sandbox_bwrap": Spec("CODERUNNER_BWRAP", str, ""),
    "sandbox_pool_size": Spec("CODERUNNER_SANDBOX_POOL_SIZE", int, 2, ge=0, le=64),
    "sandbox_pool_max_idle_s": Spec(
        "CODERUNNER_SANDBOX_POOL_MAX_IDLE_S", float, 300.0, gt=0, le=86400
    ),
    "sandbox_pool_languages": Spec("CODERUNNER_SANDBOX_POOL_LANGUAGES", str, "all"),
    "sandbox_cpu_cores": Spec("CODERUNNER_SANDBOX_CPU_CORES", float, 1.0, gt=0, le=8),
    "sandbox_cpu_weight": Spec("CODERUNNER_SANDBOX_CPU_WEIGHT", int, 1000, ge=1, le=10000),
    "sandbox_wall_factor": Spec("CODERUNNER_SANDBOX_WALL_FACTOR", float, 2.0, ge=1, le=10),
}


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """`read()`'s answer: the same attributes as `Settings` has for these fields."""

    sandbox_uid: int
    sandbox_uid_slots: int
    sandbox_bwrap: str
    sandbox_pool_size: int
    sandbox_pool_max_idle_s: float
    sandbox_pool_languages: str
    sandbox_cpu_cores: float
    sandbox_cpu_weight: int
    sandbox_wall_factor: float


def _plain(spec: Spec, raw: str) -> int | float | str | None:
    """The value of `raw` in its plain form within bounds, or None (pydantic decides)."""
    if spec.kind is str:
        return raw
    digits = raw.replace(".", "", 1) if spec.kind is float and "." in raw[1:-1] else raw
    if not (digits.isascii() and digits.isdigit()):
        return None
    value = int(raw) if spec.kind is int else float(raw)
    return value if spec.within(value) else None


def _checked(spec: Spec, raw: str) -> tuple[Any, str | None]:
    """(value, None), or (None, the problem) as pydantic puts it for `Settings`."""
    from pydantic import Field, ValidationError, create_model

    field = Field(spec.default, ge=spec.ge, gt=spec.gt, le=spec.le)
    model = create_model("SandboxSetting", value=(spec.kind, field))
    try:
        return model.model_validate({"value": raw}).model_dump()["value"], None
    except ValidationError as exc:
        error = exc.errors()[0]
        return None, problem_line(spec.env, error["msg"], error.get("input"))


def read(environ: Mapping[str, str] | None = None) -> SandboxSettings:
    """The sandbox settings from `environ` (default: this process's). Raises ConfigError."""
    source = os.environ if environ is None else environ
    # as pydantic-settings: names without regard to case (of two spellings, the later wins)
    given = {name.lower(): value for name, value in source.items()}
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, spec in FIELDS.items():
        # the variable's name first, then the field's own (Settings populates by name too)
        raw = given.get(spec.env.lower(), given.get(name))
        if raw is None:
            values[name] = spec.default
            continue
        value = _plain(spec, raw)
        if value is None:
            value, problem = _checked(spec, raw)
            if problem is not None:
                problems.append(problem)
        values[name] = value
    if problems:
        raise ConfigError("\n".join([HEADER, *problems]))
    return SandboxSettings(**values)
