"""Cheatsheet bodies."""

from __future__ import annotations

from coderunner.kernel.schemas import APIModel


class CheatsheetSummary(APIModel):
    slug: str
    title: str
    age_group: str
    level_number: int | None
    position: int


class CheatsheetOut(CheatsheetSummary):
    body: str
