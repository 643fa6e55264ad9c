"""Class rules: who sees a class, joining with a code, teachers, learners, accounts.

Access: a class's teachers and admins see everything about it; its learners see its name and
age group; anyone else gets 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import repository as auth_repository
from coderunner.auth import service as auth_service
from coderunner.auth.models import Role, User
from coderunner.auth.names import default_name
from coderunner.auth.password_pool import PasswordPool
from coderunner.classes import codes, repository
from coderunner.classes.models import ClassMember, Classroom
from coderunner.classes.schemas import (
    ClassDetailOut,
    ClassesOut,
    ClassIn,
    ClassLeaderboardOut,
    ClassOut,
    ClassUpdate,
    CreatedAccount,
    CreatedAccountsOut,
    LearnerOut,
    PasswordOut,
    PersonOut,
)
from coderunner.kernel.ages import AGE_GROUPS
from coderunner.kernel.errors import AppError, Conflict, Forbidden, NotFound
from coderunner.progress import community
from coderunner.progress import repository as progress_repository

NO_SUCH_CLASS = "no such class"
CODE_ATTEMPTS = 20
USERNAME_ATTEMPTS = 30
MAX_LISTED = 1000


@dataclass(frozen=True, slots=True)
class Access:
    classroom: Classroom
    role: str  # "teacher", "admin" or "learner"

    @property
    def teaches(self) -> bool:
        return self.role in ("teacher", "admin")


async def access(
    session: AsyncSession, user: User, class_id: str, *, learners_too: bool = False
) -> Access:
    """The caller's access to a class; 404 when they have none (or only a learner's, unless
    `learners_too`)."""
    classroom = await repository.get(session, class_id)
    if classroom is None:
        raise NotFound(NO_SUCH_CLASS)
    if user.role == Role.ADMIN:
        return Access(classroom, "admin")
    if user.role == Role.TEACHER and await repository.is_teacher(session, class_id, user.id):
        return Access(classroom, "teacher")
    if learners_too and await repository.membership(session, class_id, user.id) is not None:
        return Access(classroom, "learner")
    raise NotFound(NO_SUCH_CLASS)


async def teaches(session: AsyncSession, user: User, class_id: str) -> Classroom:
    return (await access(session, user, class_id)).classroom


def _out(classroom: Classroom, role: str, learner_count: int) -> ClassOut:
    return ClassOut(
        id=classroom.id,
        name=classroom.name,
        age_group=classroom.age_group,
        join_code=codes.format_join_code(classroom.join_code) if role != "learner" else None,
        role=role,
        learner_count=learner_count,
        help_failures=classroom.help_failures,
        help_idle_minutes=classroom.help_idle_minutes,
        created_at=classroom.created_at,
    )


async def _free_code(session: AsyncSession) -> str:
    for _ in range(CODE_ATTEMPTS):
        code = codes.new_join_code()
        if not await repository.code_taken(session, code):
            return code
    raise AppError("could not make a join code, try again", code="TRY_AGAIN", status_code=503)


async def create(session: AsyncSession, teacher: User, data: ClassIn) -> ClassOut:
    classroom = Classroom(
        name=data.name,
        age_group=data.age_group,
        join_code=await _free_code(session),
        help_failures=data.help_failures,
        help_idle_minutes=data.help_idle_minutes,
        created_by=teacher.id,
    )
    session.add(classroom)
    await session.flush()
    await repository.add_teacher(session, classroom.id, teacher.id)
    return _out(classroom, "admin" if teacher.role == Role.ADMIN else "teacher", 0)


async def mine(session: AsyncSession, user: User, *, every: bool = False) -> ClassesOut:
    """Classes the caller teaches (teachers, admins) or has joined (learners); with `every`,
    every class on the server (admins only)."""
    if every:
        if user.role != Role.ADMIN:
            raise Forbidden("only an admin can list every class", code="ADMINS_ONLY")
        found, role = await repository.every_class(session, MAX_LISTED), "admin"
    elif user.role in (Role.TEACHER, Role.ADMIN):
        found, role = await repository.teaching(session, user.id), "teacher"
    else:
        found, role = await repository.joined(session, user.id), "learner"
    counts = await repository.learner_counts(session, [c.id for c in found])
    return ClassesOut(classes=[_out(c, role, counts.get(c.id, 0)) for c in found])


async def detail(session: AsyncSession, user: User, class_id: str) -> ClassOut | ClassDetailOut:
    found = await access(session, user, class_id, learners_too=True)
    classroom = found.classroom
    members = await repository.learners(session, class_id)
    if not found.teaches:
        return _out(classroom, found.role, len(members))
    base = _out(classroom, found.role, len(members))
    return ClassDetailOut(
        **base.model_dump(),
        teachers=[
            PersonOut(id=t.id, username=t.username)
            for t in await repository.teachers(session, class_id)
        ],
        learners=[
            LearnerOut(id=u.id, username=u.username, managed=m.managed, joined_at=m.joined_at)
            for u, m in members
        ],
    )


async def update(session: AsyncSession, user: User, class_id: str, data: ClassUpdate) -> ClassOut:
    classroom = await teaches(session, user, class_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for field, value in changes.items():
        setattr(classroom, field, value)
    await session.flush()
    counts = await repository.learner_counts(session, [class_id])
    return _out(classroom, (await access(session, user, class_id)).role, counts.get(class_id, 0))


async def new_join_code(session: AsyncSession, user: User, class_id: str) -> ClassOut:
    """A fresh code (the old one stops working), e.g. after it was shared too widely."""
    classroom = await teaches(session, user, class_id)
    classroom.join_code = await _free_code(session)
    await session.flush()
    counts = await repository.learner_counts(session, [class_id])
    return _out(classroom, (await access(session, user, class_id)).role, counts.get(class_id, 0))


async def join(session: AsyncSession, learner: User, typed_code: str) -> ClassOut:
    if learner.role != Role.LEARNER:
        raise Forbidden(
            "teachers don't join classes with a code; ask a teacher of the class to add you",
            code="TEACHERS_DONT_JOIN",
        )
    classroom = await repository.by_join_code(session, codes.normalise_join_code(typed_code))
    if classroom is None:
        raise NotFound(
            "That code doesn't match a class. Check each letter with your teacher.",
            code="NO_SUCH_CODE",
        )
    if await repository.membership(session, classroom.id, learner.id) is None:
        try:
            async with session.begin_nested():
                session.add(ClassMember(class_id=classroom.id, user_id=learner.id))
                await session.flush()
        except IntegrityError:  # joined twice at once: already a member
            pass
    counts = await repository.learner_counts(session, [classroom.id])
    return _out(classroom, "learner", counts.get(classroom.id, 0))


async def leave(session: AsyncSession, learner: User, class_id: str) -> None:
    """The learner leaves; their own progress stays theirs. A teacher of the class (or an
    admin) who is not one of its learners has nothing to leave: 409, not a silent 204."""
    await access(session, learner, class_id, learners_too=True)
    if not await repository.remove_member(session, class_id, learner.id):
        raise Conflict(
            "you are not one of this class's learners, so there is nothing to leave; "
            "to stop teaching it, take yourself off its teachers",
            code="NOT_A_MEMBER",
        )


async def remove_learner(session: AsyncSession, user: User, class_id: str, learner_id: str) -> None:
    """A teacher takes a learner out of the class; the learner's progress stays theirs."""
    await teaches(session, user, class_id)
    if not await repository.remove_member(session, class_id, learner_id):
        raise NotFound("no such learner in this class")


async def add_teacher(
    session: AsyncSession, user: User, class_id: str, username: str
) -> ClassDetailOut:
    await teaches(session, user, class_id)
    other = await auth_repository.get_user_by_username(session, username)
    if other is None:
        raise NotFound("no such user")
    if other.role not in (Role.TEACHER, Role.ADMIN):
        raise AppError("that account is not a teacher's", code="NOT_A_TEACHER", status_code=422)
    await repository.add_teacher(session, class_id, other.id)
    result = await detail(session, user, class_id)
    assert isinstance(result, ClassDetailOut)
    return result


async def remove_teacher(session: AsyncSession, user: User, class_id: str, teacher_id: str) -> None:
    await teaches(session, user, class_id)
    if not await repository.is_teacher(session, class_id, teacher_id):
        raise NotFound("no such teacher in this class")
    if await repository.teacher_count(session, class_id) <= 1:
        raise Conflict("a class needs at least one teacher", code="LAST_TEACHER")
    await repository.remove_teacher(session, class_id, teacher_id)


async def _free_username(session: AsyncSession, first_name: str, taken: set[str]) -> str:
    for _ in range(USERNAME_ATTEMPTS):
        candidate = codes.username_candidate(first_name)
        if candidate in taken:
            continue
        if await auth_repository.get_user_by_username(session, candidate) is None:
            return candidate
    raise AppError("could not make a free username, try again", code="TRY_AGAIN", status_code=503)


async def create_accounts(
    session: AsyncSession, user: User, class_id: str, names: list[str], passwords: PasswordPool
) -> CreatedAccountsOut:
    """Accounts for a class from first names. The names are not stored; each account gets a
    generated username and a simple password, returned only here.

    The passwords are hashed before the first query, so the caller holds no database lock or
    connection while the pool hashes them."""
    wanted = [n for n in (name.strip() for name in names) if n]
    if not wanted or any(len(n) > 40 for n in wanted):
        raise AppError(
            "give one first name per line, each at most 40 letters",
            code="BAD_NAMES",
            status_code=422,
        )
    new_passwords = [codes.new_password() for _ in wanted]
    hashes = await passwords.hash_many(new_passwords)
    classroom = await teaches(session, user, class_id)
    created: list[CreatedAccount] = []
    taken: set[str] = set()
    for name, password, password_hash in zip(wanted, new_passwords, hashes, strict=True):
        for _ in range(3):  # a concurrent sign-up may take the same name between check and insert
            username = await _free_username(session, name, taken)
            learner = User(
                username=username,
                password_hash=password_hash,
                age_group=classroom.age_group,
                role=Role.LEARNER,
                leaderboard_opt_out=True,
                # never the first name: a made-up friendly one for a child under 13
                display_name=default_name(None, classroom.age_group),
            )
            try:
                async with session.begin_nested():
                    await auth_repository.add_user(session, learner)
            except IntegrityError:
                continue
            break
        else:
            raise AppError(
                "could not make a free username, try again", code="TRY_AGAIN", status_code=503
            )
        taken.add(username)
        session.add(ClassMember(class_id=class_id, user_id=learner.id, managed=True))
        created.append(CreatedAccount(id=learner.id, username=username, password=password))
    await session.flush()
    return CreatedAccountsOut(accounts=created)


async def reset_password(
    session: AsyncSession, user: User, class_id: str, learner_id: str, passwords: PasswordPool
) -> PasswordOut:
    """A new simple password for an account this class made (never for a learner's own); every
    session the child had open ends at once. Hashed before the first query (as above)."""
    password = codes.new_password()
    password_hash = await passwords.hash(password)
    await teaches(session, user, class_id)
    member = await repository.membership(session, class_id, learner_id)
    if member is None:
        raise NotFound("no such learner in this class")
    if not member.managed:
        raise Forbidden(
            "this learner made their own account; they can change their own password",
            code="NOT_MANAGED",
        )
    learner = await auth_repository.get_user(session, learner_id)
    if learner is None:
        raise NotFound("no such learner in this class")
    learner.password_hash = password_hash
    auth_service.end_all_sessions(learner)  # whoever had the old password is logged out now
    await session.flush()
    return PasswordOut(id=learner.id, username=learner.username, password=password)


async def leaderboard(session: AsyncSession, user: User, class_id: str) -> ClassLeaderboardOut:
    """This week's XP in the class, of learners who opted in (names: display name or username,
    which classmates already know)."""
    found = await access(session, user, class_id, learners_too=True)
    members = {u.id: u for u, _ in await repository.learners(session, class_id)}
    since = community.week_start()
    rows = await progress_repository.weekly_xp(
        session, since, AGE_GROUPS, community.LEADERBOARD_SIZE, user_ids=list(members)
    )
    named = [(uid, members[uid].display_name or members[uid].username, xp) for uid, _, xp in rows]
    return ClassLeaderboardOut(
        class_id=class_id,
        class_name=found.classroom.name,
        week_start=since,
        entries=community.ranked(named, user.id),
    )
