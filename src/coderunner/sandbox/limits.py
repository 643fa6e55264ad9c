"""Resource limits of one run: seed defaults, per-run requests, server maxima."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits of one run. Defaults are the seed's container settings."""

    wall_time_s: float = 5.0
    cpu_time_s: float = 5.0
    memory_mb: int = 128
    cpu_cores: float = 1.0  # the cgroup quota: one core, so CPU time accrues as fast as wall time
    max_processes: int = 64
    tmpfs_mb: int = 50
    file_size_mb: int = 10
    open_files: int = 64
    output_kb: int = 64  # for stdout and for stderr, each

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"limit {field.name} must be a number")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"limit {field.name} must be a positive number, got {value!r}")

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * _MB

    @property
    def output_bytes(self) -> int:
        return self.output_kb * 1024

    def with_overrides(self, **overrides: Any) -> Limits:
        """These limits with the given fields replaced; None values are ignored."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def capped_by(self, maxima: Limits) -> Limits:
        """Each field lowered to the server maximum where it asks for more."""
        return replace(
            self,
            **{f.name: min(getattr(self, f.name), getattr(maxima, f.name)) for f in fields(self)},
        )


DEFAULT_LIMITS = Limits()

# What a run may ask for at most, whatever a problem or a request says.
SERVER_MAXIMA = Limits(
    wall_time_s=20.0,
    cpu_time_s=20.0,
    memory_mb=512,
    cpu_cores=1.0,
    max_processes=128,
    tmpfs_mb=100,
    file_size_mb=50,
    open_files=256,
    output_kb=1024,
)
