"""Leaderboard, teachers' learner overview and badges: read-only views over progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.kernel.ages import PUBLIC_AGE_GROUPS
from coderunner.progress import repository
from coderunner.progress.models import ProgressStatus
from coderunner.progress.schemas import (
    BadgeOut,
    BadgesOut,
    LeaderboardEntry,
    LeaderboardOut,
    LearnerRow,
    LearnersOut,
)

LEADERBOARD_SIZE = 20
MAX_LEARNERS = 500


def week_start(now: datetime | None = None) -> datetime:
    """Monday 00:00 UTC of the current week."""
    now = now or datetime.now(UTC)
    monday = now - timedelta(days=now.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


async def leaderboard(
    session: AsyncSession, viewer_id: str, age_group: str | None
) -> LeaderboardOut:
    since = week_start()
    groups = [g for g in PUBLIC_AGE_GROUPS if age_group in (None, g)]
    rows = await repository.weekly_xp(session, since, groups, LEADERBOARD_SIZE)
    # display names only: learners' usernames and ids never leave through the board
    return LeaderboardOut(age_group=age_group, week_start=since, entries=ranked(rows, viewer_id))


def ranked(rows: Sequence[tuple[str, str | None, int]], viewer_id: str) -> list[LeaderboardEntry]:
    entries: list[LeaderboardEntry] = []
    for i, (uid, name, xp) in enumerate(rows):
        # equal XP, equal rank ("1, 1, 3"): nobody is behind someone with the same score
        rank = entries[-1].rank if entries and entries[-1].xp == xp else i + 1
        entries.append(
            LeaderboardEntry(rank=rank, display_name=name, xp=xp, is_me=uid == viewer_id)
        )
    return entries


async def learners(session: AsyncSession, age_group: str | None) -> LearnersOut:
    rows = await repository.learner_stats(session, age_group, MAX_LEARNERS)
    return LearnersOut(
        learners=[
            LearnerRow(
                id=user.id,
                username=user.username,
                display_name=user.display_name,
                age_group=user.age_group,
                solved=solved,
                attempted=attempted,
                xp=xp,
                highest_level=highest,
                last_active_at=last,
            )
            for user, solved, attempted, xp, highest, last in rows
        ]
    )


async def badges(session: AsyncSession, user_id: str) -> BadgesOut:
    rows = await repository.for_user(session, user_id)
    solved = [p for p, _ in rows if p.status == ProgressStatus.SOLVED]
    xp = sum(p.xp_awarded for p, _ in rows)
    totals = await repository.published_counts_by_level(session)
    per_level = await repository.solved_counts_by_level(session, user_id)
    level_done = any(n >= totals.get(key, 0) > 0 for key, n in per_level.items())
    spec = [
        ("first-solve", "First steps", "Solve your first puzzle.", len(solved) >= 1),
        ("five-solves", "On a roll", "Solve 5 puzzles.", len(solved) >= 5),
        ("ten-solves", "Puzzle pro", "Solve 10 puzzles.", len(solved) >= 10),
        ("xp-100", "100 XP", "Earn 100 XP.", xp >= 100),
        ("level-complete", "Level clear", "Solve every puzzle of a level.", level_done),
        (
            "never-give-up",
            "Never give up",
            "Solve a puzzle after 3 or more tries.",
            any(p.attempts >= 3 for p in solved),
        ),
    ]
    return BadgesOut(
        badges=[BadgeOut(id=i, name=n, description=d, earned=e) for i, n, d, e in spec]
    )
