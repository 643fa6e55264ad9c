"""What one sandboxed run produced."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    OK = "OK"
    TIME_LIMIT_EXCEEDED = "TIME_LIMIT_EXCEEDED"
    MEMORY_LIMIT_EXCEEDED = "MEMORY_LIMIT_EXCEEDED"
    OUTPUT_LIMIT_EXCEEDED = "OUTPUT_LIMIT_EXCEEDED"
    RUNTIME_ERROR = "RUNTIME_ERROR"
    COMPILATION_ERROR = "COMPILATION_ERROR"
    INTERNAL_ERROR = "INTERNAL_ERROR"


@dataclass(frozen=True, slots=True)
class RunResult:
    verdict: Verdict
    exit_code: int | None
    signal: int | None
    stdout: str
    stderr: str
    time_ms: int
    wall_ms: int
    memory_kb: int
    truncated: bool
    # Set for INTERNAL_ERROR only: why the platform failed (never user output).
    internal_reason: str | None = None
    # what `import turtle` drew (sandbox/drawing.py), for runs that drew anything
    drawing: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "verdict": self.verdict.value,
            "exitCode": self.exit_code,
            "signal": self.signal,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "timeMs": self.time_ms,
            "wallMs": self.wall_ms,
            "memoryKb": self.memory_kb,
            "truncated": self.truncated,
        }
        if self.internal_reason is not None:
            data["internalReason"] = self.internal_reason
        if self.drawing is not None:
            data["drawing"] = self.drawing
        return data

    @classmethod
    def internal_error(cls, reason: str, wall_ms: int = 0) -> RunResult:
        return cls(
            verdict=Verdict.INTERNAL_ERROR,
            exit_code=None,
            signal=None,
            stdout="",
            stderr="",
            time_ms=0,
            wall_ms=wall_ms,
            memory_kb=0,
            truncated=False,
            internal_reason=reason,
        )
