"""Challenges: a teacher's set of problems for a class, open between two times.

A plain challenge counts a problem as done when the learner has solved it (at any time). In
contest mode only solves inside the window count (the first accepted submission between
opening and closing), ranked by problems solved, then by total minutes from opening to each
solve. The ranking is the class's only; a classmate who has not opted in to leaderboards is
shown to other learners as "A classmate".
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.classes import repository, service
from coderunner.classes.models import Challenge, ChallengeProblem, ClassProblem, Classroom
from coderunner.classes.schemas import (
    ChallengeIn,
    ChallengeOut,
    ChallengeProblemOut,
    ChallengeResultsOut,
    ChallengesOut,
    ClassProblemIn,
    ResultRow,
)
from coderunner.kernel.errors import AppError, NotFound
from coderunner.learning import clock
from coderunner.problems import repository as problems_repository
from coderunner.problems import service as problems_service
from coderunner.problems.models import Problem
from coderunner.problems.schemas import ProblemCreate

HIDDEN_NAME = "A classmate"


MAX_PROBLEMS = 20


def _state(challenge: Challenge, now: datetime) -> str:
    if now < challenge.opens_at:
        return "upcoming"
    return "open" if now < challenge.closes_at else "closed"


async def _problems(session: AsyncSession, challenge_id: str) -> list[tuple[Problem, bool]]:
    """The challenge's problems in order, each with whether it was written for the class."""
    rows = await repository.challenge_problems(session, challenge_id)
    return [(problem, owner is not None) for problem, owner in rows]


def _out(
    challenge: Challenge,
    classroom: Classroom,
    problems: list[tuple[Problem, bool]],
    *,
    teacher: bool,
    solved: list[str] | None = None,
) -> ChallengeOut:
    state = _state(challenge, clock.now())
    shown = problems if teacher or state != "upcoming" else []
    return ChallengeOut(
        id=challenge.id,
        class_id=classroom.id,
        class_name=classroom.name,
        title=challenge.title,
        opens_at=challenge.opens_at,
        closes_at=challenge.closes_at,
        contest=challenge.contest,
        state=state,
        problems=[
            ChallengeProblemOut(
                id=p.id, title=p.title, age_group=p.age_group, level_number=p.level_number, own=own
            )
            for p, own in shown
        ],
        solved=solved or [],
    )


def _refuse(message: str, code: str) -> AppError:
    return AppError(message, code=code, status_code=422)


def _check_window(data: ChallengeIn) -> None:
    if data.opens_at.tzinfo is None or data.closes_at.tzinfo is None:
        raise _refuse("give times with a time zone (e.g. 2026-12-04T09:00:00Z)", "NAIVE_TIME")
    if data.closes_at <= data.opens_at:
        raise _refuse(
            "The challenge must close after it opens: pick a later closing time.", "BAD_WINDOW"
        )
    if data.closes_at <= clock.now():
        raise _refuse(
            "That closing time has already passed: pick a time in the future.", "WINDOW_PASSED"
        )


def _check_new_problem(number: int, draft: ClassProblemIn) -> None:
    name = f"New puzzle {number} ({draft.title})"
    if not draft.reference_solution.strip():
        raise _refuse(f"{name}: add your solution, so the puzzle can be checked.", "NO_SOLUTION")
    if not draft.tests:
        raise _refuse(f"{name}: add at least one test (an input and its output).", "NO_TESTS")
    if all(test.hidden for test in draft.tests):
        raise _refuse(
            f"{name}: make at least one test visible, so learners see an example.",
            "NO_VISIBLE_TEST",
        )


async def _write_problem(
    session: AsyncSession, user: User, classroom: Classroom, draft: ClassProblemIn
) -> Problem:
    """A new problem owned by the class, through the problems domain's own authoring."""
    words = re.findall(r"[a-z0-9]+", draft.title.lower())
    slug = "-".join(words)[:60].strip("-") or "puzzle"
    level = await repository.first_level(session, classroom.age_group)
    created = await problems_service.create(
        session,
        ProblemCreate(
            id=f"class-{slug}-{secrets.token_hex(4)}",
            title=draft.title,
            age_group=classroom.age_group,
            level_number=level or 1,
            statement=draft.statement,
            starter_code=draft.starter_code,
            hints=draft.hints,
            comparison=draft.comparison,
            reference_solution=draft.reference_solution,
            tests=draft.tests,
            is_published=False,  # never in the catalogue: the class's only
        ),
        user,
    )
    session.add(ClassProblem(problem_id=created.id, class_id=classroom.id))
    await session.flush()
    found = await problems_repository.by_id(session, created.id)
    assert found is not None
    return found


async def create(
    session: AsyncSession, user: User, class_id: str, data: ChallengeIn
) -> ChallengeOut:
    """A challenge from picked catalogue problems (or the class's own) and new ones written
    for the class. It opens nothing now: while it is open, its problems are open to the class
    (`learning.access`)."""
    classroom = await service.teaches(session, user, class_id)
    _check_window(data)
    ids = list(dict.fromkeys(data.problem_ids))
    if not ids and not data.new_problems:
        raise _refuse("Pick at least one puzzle, or write a new one.", "NO_PROBLEMS")
    if len(ids) + len(data.new_problems) > MAX_PROBLEMS:
        raise _refuse(f"A challenge holds at most {MAX_PROBLEMS} puzzles.", "TOO_MANY_PROBLEMS")
    for number, draft in enumerate(data.new_problems, start=1):
        _check_new_problem(number, draft)
    found = {
        problem.id: (problem, owner is not None)
        for problem, owner in await repository.problems_with_owner(session, ids)
        # the catalogue's published problems, and this class's own; never another class's
        if (owner is None and problem.is_published) or owner == class_id
    }
    missing = [pid for pid in ids if pid not in found]
    if missing:
        raise _refuse(f"no such published problem: {', '.join(missing)}", "NO_SUCH_PROBLEM")
    chosen = [found[pid] for pid in ids]
    for draft in data.new_problems:
        chosen.append((await _write_problem(session, user, classroom, draft), True))
    challenge = Challenge(
        class_id=class_id,
        title=data.title,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        contest=data.contest,
        created_by=user.id,
    )
    session.add(challenge)
    await session.flush()
    for position, (problem, _) in enumerate(chosen):
        session.add(
            ChallengeProblem(challenge_id=challenge.id, problem_id=problem.id, position=position)
        )
    await session.flush()
    return _out(challenge, classroom, chosen, teacher=True)


async def _solved_by(
    session: AsyncSession, challenge: Challenge, user_ids: list[str], problem_ids: list[str]
) -> dict[str, dict[str, datetime]]:
    """user -> problem -> when it counts as solved for this challenge."""
    solved: dict[str, dict[str, datetime]] = defaultdict(dict)
    if not user_ids or not problem_ids:
        return solved
    if challenge.contest:
        rows = await repository.first_accepted_between(
            session, user_ids, problem_ids, challenge.opens_at, challenge.closes_at
        )
        for uid, pid, at in rows:
            if pid is not None and at is not None:
                solved[uid][pid] = at
        return solved
    for row in await repository.solved_progress(session, user_ids, problem_ids):
        solved[row.user_id][row.problem_id] = row.first_solved_at or row.updated_at
    return solved


async def list_for_class(session: AsyncSession, user: User, class_id: str) -> ChallengesOut:
    found = await service.access(session, user, class_id, learners_too=True)
    out = []
    for challenge in await repository.challenges_of(session, class_id):
        problems = await _problems(session, challenge.id)
        mine: list[str] = []
        if not found.teaches:
            solved = await _solved_by(session, challenge, [user.id], [p.id for p, _ in problems])
            mine = sorted(solved[user.id])
        out.append(_out(challenge, found.classroom, problems, teacher=found.teaches, solved=mine))
    return ChallengesOut(challenges=out)


async def open_for_learner(session: AsyncSession, user: User) -> ChallengesOut:
    """ "From your teacher": open challenges of every class I am in."""
    now = clock.now()
    out = []
    for classroom in await repository.joined(session, user.id):
        for challenge in await repository.open_challenges(session, classroom.id, now):
            problems = await _problems(session, challenge.id)
            solved = await _solved_by(session, challenge, [user.id], [p.id for p, _ in problems])
            out.append(
                _out(challenge, classroom, problems, teacher=False, solved=sorted(solved[user.id]))
            )
    return ChallengesOut(challenges=out)


async def results(
    session: AsyncSession, user: User, class_id: str, challenge_id: str
) -> ChallengeResultsOut:
    """The class's ranking: teachers see usernames; learners see opted-in classmates' names."""
    found = await service.access(session, user, class_id, learners_too=True)
    challenge = await repository.challenge(session, challenge_id)
    if challenge is None or challenge.class_id != class_id:
        raise NotFound("no such challenge")
    problems = await _problems(session, challenge.id)
    if not found.teaches and _state(challenge, clock.now()) == "upcoming":
        raise NotFound("no such challenge")
    members = [u for u, _ in await repository.learners(session, class_id)]
    solved = await _solved_by(
        session, challenge, [u.id for u in members], [p.id for p, _ in problems]
    )
    scored = []
    for member in members:
        times = solved[member.id]
        minutes = sum(
            max(0, int((at - challenge.opens_at).total_seconds() // 60)) for at in times.values()
        )
        scored.append((member, len(times), minutes if challenge.contest else 0, sorted(times)))
    scored.sort(key=lambda s: (-s[1], s[2], s[0].username.lower()))
    rows: list[ResultRow] = []
    for i, (member, count, minutes, done) in enumerate(scored):
        previous = rows[-1] if rows else None
        same = previous is not None and (previous.solved, previous.minutes) == (count, minutes)
        visible = found.teaches or member.id == user.id or not member.leaderboard_opt_out
        rows.append(
            ResultRow(
                rank=previous.rank if same and previous else i + 1,
                learner_id=member.id if found.teaches or member.id == user.id else None,
                name=(member.display_name or member.username) if visible else HIDDEN_NAME,
                solved=count,
                minutes=minutes,
                is_me=member.id == user.id,
                solved_problems=done if found.teaches or member.id == user.id else [],
            )
        )
    return ChallengeResultsOut(
        challenge=_out(challenge, found.classroom, problems, teacher=found.teaches), rows=rows
    )
