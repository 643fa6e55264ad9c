"""Cheatsheet rules (read-only over the API; the curriculum sync writes them)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.cheatsheets import repository
from coderunner.cheatsheets.schemas import CheatsheetOut, CheatsheetSummary
from coderunner.kernel.errors import NotFound


async def list_cheatsheets(
    session: AsyncSession, age_group: str | None, level: int | None
) -> list[CheatsheetSummary]:
    rows = await repository.list_cheatsheets(session, age_group, level)
    return [CheatsheetSummary.model_validate(c) for c in rows]


async def get_cheatsheet(session: AsyncSession, slug: str) -> CheatsheetOut:
    sheet = await repository.get(session, slug)
    if sheet is None:
        raise NotFound("no such cheatsheet")
    return CheatsheetOut.model_validate(sheet)
