"""Who may open which level and problem: the one rule every route asks.

A level is open to a user when `learning.unlocking.level_states` says so (level 1 of an age group
always; later ones after most of the previous level is solved, or after a teacher unlocked it).
Teachers and admins see every level, and unpublished problems. Anonymous visitors are treated as
a learner with no progress: only the first level of each age group is open to them.

Unpublished problems look exactly like missing ones to everyone but staff (the same 404), so ids
can't be probed. A problem in a locked level answers 403 `LEVEL_LOCKED`.

Other domains (classes, lessons) call `level_is_open` / `problem_for` rather than repeating it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import Role, User
from coderunner.kernel.ages import AGE_GROUPS
from coderunner.kernel.errors import Forbidden, NotFound
from coderunner.learning import repository
from coderunner.learning.unlocking import LevelState, level_states
from coderunner.levels.models import Level
from coderunner.problems.models import Problem


class LevelLocked(Forbidden):
    code = "LEVEL_LOCKED"


LOCKED_MESSAGE = "this level is still locked: solve most of the level before it first"


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in (Role.TEACHER, Role.ADMIN)


async def states_for(
    session: AsyncSession, user: User | None, age_group: str
) -> dict[int, LevelState]:
    """Each level of `age_group` (with a row or a published problem) and its state for `user`."""
    totals = await repository.level_totals(session, age_group)
    numbers = await session.scalars(select(Level.number).where(Level.age_group == age_group))
    for number in numbers:
        totals.setdefault(number, 0)
    if user is None:
        return level_states(totals, {}, set())
    return level_states(
        totals,
        await repository.solved_per_level(session, user.id, age_group),
        await repository.unlocked_levels(session, user.id, age_group),
        privileged=is_staff(user),
    )


async def level_is_open(
    session: AsyncSession, user: User | None, age_group: str, number: int
) -> bool:
    """Whether `user` (None: anonymous) may open level `number` of `age_group`."""
    if is_staff(user):
        return True
    state = (await states_for(session, user, age_group)).get(number)
    # a level nobody can see (no row, no published problem) is not open
    return state is not None and not state.locked


async def ensure_level_open(
    session: AsyncSession, user: User | None, age_group: str, number: int
) -> None:
    """404 for a level nobody can see, 403 `LEVEL_LOCKED` for one locked for `user`."""
    if is_staff(user):
        return
    state = (await states_for(session, user, age_group)).get(number)
    if state is None:
        raise NotFound("no such level")
    if state.locked:
        raise LevelLocked(LOCKED_MESSAGE)


async def open_levels(
    session: AsyncSession, user: User | None, age_group: str | None = None
) -> list[tuple[str, int]] | None:
    """The (age group, level) pairs open to `user`; None means every level (staff)."""
    if is_staff(user):
        return None
    groups = (age_group,) if age_group is not None else AGE_GROUPS
    pairs: list[tuple[str, int]] = []
    for group in groups:
        states = await states_for(session, user, group)
        pairs.extend((group, n) for n, s in sorted(states.items()) if not s.locked)
    return pairs


async def problem_for(session: AsyncSession, user: User | None, problem_id: str) -> Problem:
    """The problem if `user` may work on it: 404 when missing or unpublished (to non-staff),
    403 `LEVEL_LOCKED` when its level is locked for them."""
    problem = await session.get(Problem, problem_id) if len(problem_id) <= 100 else None
    if problem is None or (not problem.is_published and not is_staff(user)):
        raise NotFound("no such problem")
    await ensure_level_open(session, user, problem.age_group, problem.level_number)
    return problem


async def level_exists(session: AsyncSession, age_group: str, number: int) -> bool:
    return (await states_for(session, None, age_group)).get(number) is not None
