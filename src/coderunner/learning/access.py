"""Who may open which level and problem: the one rule every route asks.

A level is open to a user when `learning.unlocking.level_states` says so (level 1 of an age group
always; later ones after most of the previous level is solved, or after a teacher unlocked it).
Teachers and admins see every level, and unpublished problems. Anonymous visitors are treated as
a learner with no progress: only the first level of each age group is open to them.

Unpublished problems look exactly like missing ones to everyone but staff (the same 404), so ids
can't be probed. A problem in a locked level answers 403 `LEVEL_LOCKED`.

Challenges: while a class's challenge is open (by `clock.now()`), the levels of its catalogue
problems are open to the class's learners; before and after, they follow the rules above. A
problem a teacher wrote for a class (`classes.models.ClassProblem`) is outside the catalogue and
the levels: its class's teachers and admins always see it; the class's learners only while a
challenge holding it is open (404 before, 403 `CHALLENGE_CLOSED` after); anyone else gets 404.

Other domains (classes, lessons) call `level_is_open` / `problem_for` rather than repeating it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import Role, User
from coderunner.kernel.ages import AGE_GROUPS
from coderunner.kernel.errors import Forbidden, NotFound
from coderunner.learning import clock, repository
from coderunner.learning.unlocking import LevelState, level_states
from coderunner.problems.models import Problem


class LevelLocked(Forbidden):
    code = "LEVEL_LOCKED"


class ChallengeClosed(Forbidden):
    code = "CHALLENGE_CLOSED"


CLOSED_MESSAGE = (
    "This challenge is over, so its puzzles are closed now. Your teacher can set a new one."
)


LOCKED_MESSAGE = "this level is still locked: solve most of the level before it first"


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in (Role.TEACHER, Role.ADMIN)


async def states_for(
    session: AsyncSession, user: User | None, age_group: str
) -> dict[int, LevelState]:
    """Each level of `age_group` (with a row or a published problem) and its state for `user`."""
    totals = await repository.level_totals(session, age_group)
    for number in await repository.level_numbers(session, age_group):
        totals.setdefault(number, 0)
    if user is None:
        return level_states(totals, {}, set())
    opened = await repository.unlocked_levels(session, user.id, age_group)
    if not is_staff(user):  # staff see every level anyway
        by_challenge = await repository.challenge_levels(session, [user.id], age_group, clock.now())
        opened |= by_challenge.get(user.id, set())
    return level_states(
        totals,
        await repository.solved_per_level(session, user.id, age_group),
        opened,
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


async def class_problem_gate(session: AsyncSession, user: User | None, problem: Problem) -> bool:
    """False for a catalogue problem (the level rules apply). For a problem written for a class:
    True when `user` may open it now, else 404 (or 403 `CHALLENGE_CLOSED` for the class's
    learners once every challenge holding it has closed)."""
    owner = await repository.problem_class(session, problem.id)
    if owner is None:
        return False
    if user is not None and user.role == Role.ADMIN:
        return True
    if user is None or not await repository.in_class(
        session, owner, user.id, teacher=user.role == Role.TEACHER
    ):
        raise NotFound("no such problem")
    if user.role == Role.TEACHER:
        return True
    now = clock.now()
    windows = await repository.challenge_windows(session, owner, problem.id)
    if any(opens <= now < closes for opens, closes in windows):
        return True
    if any(opens <= now for opens, _ in windows):
        raise ChallengeClosed(CLOSED_MESSAGE)
    raise NotFound("no such problem")  # not open yet: nothing of it shows


async def problem_for(session: AsyncSession, user: User | None, problem_id: str) -> Problem:
    """The problem if `user` may work on it: 404 when missing or unpublished (to non-staff),
    403 `LEVEL_LOCKED` when its level is locked for them; a class's own problem as
    `class_problem_gate` says."""
    problem = await repository.problem(session, problem_id) if len(problem_id) <= 100 else None
    if problem is None:
        raise NotFound("no such problem")
    if await class_problem_gate(session, user, problem):
        return problem
    if not problem.is_published and not is_staff(user):
        raise NotFound("no such problem")
    await ensure_level_open(session, user, problem.age_group, problem.level_number)
    return problem


async def level_exists(session: AsyncSession, age_group: str, number: int) -> bool:
    return (await states_for(session, None, age_group)).get(number) is not None
