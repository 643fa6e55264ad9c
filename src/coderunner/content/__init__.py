"""The curriculum kept as files: levels, problems and cheatsheets, their schema and loader."""

from __future__ import annotations

from coderunner.kernel.ages import AGE_GROUPS

from .loader import CONTENT_DIR, ContentError, Curriculum, load_curriculum
from .schema import Cheatsheet, Level, LevelsFile, Problem, TestCase

__all__ = [
    "AGE_GROUPS",
    "CONTENT_DIR",
    "Cheatsheet",
    "ContentError",
    "Curriculum",
    "Level",
    "LevelsFile",
    "Problem",
    "TestCase",
    "load_curriculum",
]
