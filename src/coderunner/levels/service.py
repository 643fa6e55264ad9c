"""Level rules."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.kernel.ages import age_rank
from coderunner.kernel.errors import Conflict, NotFound
from coderunner.learning import access
from coderunner.learning import service as learning
from coderunner.learning.access import is_staff
from coderunner.learning.schemas import LevelStateOut
from coderunner.levels import repository
from coderunner.levels.models import Level
from coderunner.levels.schemas import LevelCreate, LevelDetail, LevelOut, LevelUpdate
from coderunner.problems import repository as problem_repository
from coderunner.problems.schemas import ProblemSummary


def _out(level: Level, count: int) -> LevelOut:
    return LevelOut.model_validate(level).model_copy(update={"problem_count": count})


async def list_levels(
    session: AsyncSession, age_group: str | None = None, viewer: User | None = None
) -> list[LevelOut]:
    levels = await repository.list_levels(session, age_group)
    counts = await problem_repository.counts_by_level(session)
    ordered = sorted(levels, key=lambda lv: (age_rank(lv.age_group), lv.number))
    out = [_out(lv, counts.get((lv.age_group, lv.number), 0)) for lv in ordered]
    if viewer is None or age_group is None:
        return out
    states = {s.number: s for s in (await learning.levels_for(session, viewer, age_group)).levels}
    return [_with_state(level, states.get(level.number)) for level in out]


def _with_state(level: LevelOut, state: LevelStateOut | None) -> LevelOut:
    if state is None:
        return level
    return level.model_copy(
        update={"locked": state.locked, "solved": state.solved, "completed": state.completed}
    )


async def _get(session: AsyncSession, age_group: str, number: int) -> Level:
    level = await repository.get_level(session, age_group, number)
    if level is None:
        raise NotFound("no such level")
    return level


async def get_level(
    session: AsyncSession, age_group: str, number: int, viewer: User | None
) -> LevelDetail:
    level = await _get(session, age_group, number)
    await access.ensure_level_open(session, viewer, age_group, number)
    state: LevelStateOut | None = None
    if viewer is not None:
        states = (await learning.levels_for(session, viewer, age_group)).levels
        state = next((s for s in states if s.number == number), None)
    problems = await problem_repository.in_level(
        session, age_group, number, published_only=not is_staff(viewer)
    )
    summaries = [ProblemSummary.model_validate(p) for p in problems]
    base = _with_state(LevelOut.model_validate(level), state).model_dump()
    base["problem_count"] = len(summaries)
    return LevelDetail(**base, problems=summaries)


async def create_level(session: AsyncSession, data: LevelCreate) -> LevelOut:
    if await repository.get_level(session, data.age_group, data.number) is not None:
        raise Conflict("this level exists", code="LEVEL_EXISTS")
    level = Level(**data.model_dump())
    session.add(level)
    await session.flush()
    return _out(level, 0)


async def update_level(
    session: AsyncSession, age_group: str, number: int, data: LevelUpdate
) -> LevelOut:
    level = await _get(session, age_group, number)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is not None or key == "cheatsheet_slug":
            setattr(level, key, value)
    await session.flush()
    counts = await problem_repository.counts_by_level(session)
    return _out(level, counts.get((age_group, number), 0))


async def delete_level(session: AsyncSession, age_group: str, number: int) -> None:
    level = await _get(session, age_group, number)
    await repository.remove(session, level)
    await session.flush()
