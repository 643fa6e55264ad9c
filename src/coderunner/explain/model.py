"""The explanation shown to a learner beside a failed run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Explanation:
    title: str  # a few words: "Python does not know this name"
    message: str  # what happened, in words a child understands
    line: int | None  # the line of the learner's code, when known
    hint: str  # a likely fix
    kind: str  # the Python error type or the verdict, for the UI and analytics

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "message": self.message,
            "line": self.line,
            "hint": self.hint,
            "kind": self.kind,
        }
