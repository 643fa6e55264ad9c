"""Load the lessons into the database beside the problems they open (idempotent).

A lesson row holds what the API serves: the file's fields, the computed outputs (the answers)
and the Parsons lines in their shuffled order. Lessons follow the files exactly: a lesson whose
file is gone is removed (the learners' steps stay, keyed by age group and level).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.lessons.models import Lesson as LessonRow

from . import repository
from .lesson_loader import LoadedLesson, load_lessons
from .lesson_schema import indents_matter
from .loader import Curriculum

if TYPE_CHECKING:
    from .sync import SyncReport


def lesson_content(loaded: LoadedLesson) -> dict[str, Any]:
    lesson = loaded.lesson
    example = lesson.example
    return {
        "idea": lesson.idea,
        "example": {
            "code": example.code,
            "stdin": example.stdin,
            "explain": example.explain,
            "output": loaded.example_output,
        },
        "predict": [
            {
                "kind": question.kind,
                "prompt": question.prompt,
                "code": question.code,
                "stdin": question.stdin,
                "answer": loaded.answer(index),
                "options": loaded.choices(index) if question.kind == "choice" else None,
            }
            for index, question in enumerate(lesson.predict)
        ],
        "parsons": {
            "task": lesson.parsons.task,
            "indentsMatter": indents_matter(lesson.age_group),
            "lines": lesson.parsons.lines,
            "order": loaded.parsons_order(),
            "tests": [test.model_dump() for test in lesson.parsons.tests],
        },
    }


async def sync_lessons(session: AsyncSession, curriculum: Curriculum, report: SyncReport) -> None:
    lessons = load_lessons(curriculum.root, curriculum.levels)
    rows = {(row.age_group, row.level_number): row for row in await repository.lessons(session)}
    for loaded in lessons:
        key = f"lesson {loaded.lesson.age_group}/{loaded.lesson.level}"
        row = rows.pop(loaded.key, None)
        content = lesson_content(loaded)
        if row is None:
            session.add(
                LessonRow(
                    age_group=loaded.lesson.age_group,
                    level_number=loaded.lesson.level,
                    title=loaded.lesson.title,
                    content=content,
                )
            )
            report.created.append(key)
        elif row.title != loaded.lesson.title or row.content != content:
            row.title = loaded.lesson.title
            row.content = content
            report.updated.append(key)
        else:
            report.unchanged += 1
    for (age_group, number), row in rows.items():
        await repository.remove(session, row)
        report.removed.append(f"lesson {age_group}/{number}")
