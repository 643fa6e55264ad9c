"""Load the curriculum files into the database, idempotently.

Content problems (source 'content') follow the files: new ones are added, changed ones updated,
and ones no longer in the files are unpublished (not deleted, so learners keep their progress).
Problems authored in the app (source 'authored') are never touched, even on an id clash.
Levels are added and updated but never deleted (admins may add their own); cheatsheets follow
the files exactly. The caller commits: one sync is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.cheatsheets.models import Cheatsheet as CheatsheetRow
from coderunner.levels.models import Level as LevelRow
from coderunner.problems.models import Problem as ProblemRow
from coderunner.problems.models import TestCase as TestCaseRow

from . import repository
from .lesson_sync import sync_lessons
from .loader import Curriculum, load_curriculum
from .schema import Problem

CONTENT = "content"


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)  # "problem x", "level 7-9/1", ...
    updated: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.unpublished or self.removed)

    def summary(self) -> str:
        text = (
            f"content sync: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unpublished)} unpublished, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged"
        )
        if self.conflicts:
            text += f"; skipped (authored in the app): {', '.join(self.conflicts)}"
        return text

    def __str__(self) -> str:
        return self.summary()


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def problem_values(problem: Problem) -> dict[str, Any]:
    limits = problem.limits.model_dump(by_alias=True, exclude_none=True)
    return {
        "age_group": problem.age_group,
        "level_number": problem.level,
        "order": problem.order,
        "title": problem.title,
        "statement": problem.statement,
        "starter_code": problem.starter_code,
        "hints": list(problem.hints),
        "concepts": list(problem.concepts),
        "difficulty": problem.difficulty,
        "xp": problem.xp,
        "comparison": problem.comparison.model_dump(by_alias=True, exclude_none=True),
        "limits": limits,
        "language": problem.language,
        "other_languages": {
            name: {"starterCode": variant.starter_code, "solution": variant.solution}
            for name, variant in problem.also_in.items()
        },
        "reference_solution": problem.solution,
        "another_way": problem.another_way,
        "rules": None
        if problem.rules is None or problem.rules.empty
        else problem.rules.model_dump(by_alias=True, exclude_none=True),
        "source": CONTENT,
        "is_published": True,
    }


TestRow = tuple[int, str, str, str, bool, str | None]


def _test_rows(problem: Problem) -> list[TestRow]:
    return [
        (position, test.name, test.input, test.output, test.hidden, test.hint)
        for position, test in enumerate(problem.tests)
    ]


async def _sync_levels(session: AsyncSession, curriculum: Curriculum, report: SyncReport) -> None:
    rows = {(row.age_group, row.number): row for row in await repository.levels(session)}
    for group in curriculum.levels.age_groups:
        for level in group.levels:
            values = {
                "title": level.title,
                "description": level.description,
                "concepts": list(level.concepts),
                "cheatsheet_slug": level.cheatsheet,
            }
            key = f"level {group.age_group}/{level.number}"
            row = rows.get((group.age_group, level.number))
            if row is None:
                session.add(LevelRow(age_group=group.age_group, number=level.number, **values))
                report.created.append(key)
            elif _apply(row, values):
                report.updated.append(key)
            else:
                report.unchanged += 1


async def _sync_cheatsheets(
    session: AsyncSession, curriculum: Curriculum, report: SyncReport
) -> None:
    rows = {row.slug: row for row in await repository.cheatsheets(session)}
    for slug, sheet in curriculum.cheatsheets.items():
        values = {
            "title": sheet.title,
            "age_group": sheet.age_group,
            "level_number": sheet.level,
            "body": sheet.body,
            "position": sheet.position,
        }
        row = rows.get(slug)
        if row is None:
            session.add(CheatsheetRow(slug=slug, **values))
            report.created.append(f"cheatsheet {slug}")
        elif _apply(row, values):
            report.updated.append(f"cheatsheet {slug}")
        else:
            report.unchanged += 1
    for slug, row in rows.items():
        if slug not in curriculum.cheatsheets:
            await repository.remove(session, row)
            report.removed.append(f"cheatsheet {slug}")


async def _sync_problems(session: AsyncSession, curriculum: Curriculum, report: SyncReport) -> None:
    rows = {row.id: row for row in await repository.problems(session)}
    tests: dict[str, list[TestRow]] = {}
    for case in await repository.test_cases(session):
        tests.setdefault(case.problem_id, []).append(
            (case.position, case.name, case.input, case.expected_output, case.hidden, case.hint)
        )
    for problem in curriculum.problems:
        key = f"problem {problem.id}"
        row = rows.get(problem.id)
        wanted = _test_rows(problem)
        if row is not None and row.source != CONTENT:
            report.conflicts.append(problem.id)
            continue
        if row is None:
            session.add(ProblemRow(id=problem.id, **problem_values(problem)))
            report.created.append(key)
        else:
            changed = _apply(row, problem_values(problem))
            if tests.get(problem.id, []) != wanted:
                await repository.delete_test_cases(session, problem.id)
                changed = True
            else:
                wanted = []
            if changed:
                report.updated.append(key)
            else:
                report.unchanged += 1
        if wanted:
            await session.flush()
            session.add_all(
                TestCaseRow(
                    problem_id=problem.id,
                    position=position,
                    name=name,
                    input=stdin,
                    expected_output=output,
                    hidden=hidden,
                    hint=hint,
                )
                for position, name, stdin, output, hidden, hint in wanted
            )
    in_files = {problem.id for problem in curriculum.problems}
    for problem_id, row in rows.items():
        if row.source == CONTENT and problem_id not in in_files and row.is_published:
            row.is_published = False
            report.unpublished.append(f"problem {problem_id}")


async def sync_content(session: AsyncSession, curriculum: Curriculum | None = None) -> SyncReport:
    """Bring levels, problems, test cases and cheatsheets in line with the files (no commit)."""
    curriculum = curriculum or load_curriculum()
    report = SyncReport()
    await _sync_levels(session, curriculum, report)
    await _sync_cheatsheets(session, curriculum, report)
    await _sync_problems(session, curriculum, report)
    await sync_lessons(session, curriculum, report)
    await session.flush()
    return report
