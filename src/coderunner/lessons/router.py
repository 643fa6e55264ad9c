"""/lessons routes: the lessons of an age group, one lesson, predictions, the Parsons puzzle."""

from __future__ import annotations

from fastapi import APIRouter, Path

from coderunner.auth.deps import CurrentUser, OptionalUser
from coderunner.execution.router import RunningPipelineDep
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep, SettingsDep
from coderunner.lessons import service
from coderunner.lessons.running import PipelineRunner
from coderunner.lessons.schemas import (
    AnswerIn,
    AnswerOut,
    LessonOut,
    LessonsOut,
    ParsonsIn,
    ParsonsResultOut,
    ReviewOut,
)

router = APIRouter(prefix="/lessons", tags=["lessons"], responses=ERROR_RESPONSES)

LevelNumber = Path(ge=1, le=1000)


@router.get("/review", response_model=ReviewOut)
async def review(user: CurrentUser, session: SessionDep) -> ReviewOut:
    """A warm-up for the home page: a problem solved in an earlier level, not done for a few
    days (`review: null` when there is none)."""
    return await service.review_for(session, user)


@router.get("/{age_group}", response_model=LessonsOut)
async def lessons(age_group: AgeGroup, user: OptionalUser, session: SessionDep) -> LessonsOut:
    """The age group's lessons, one per level; with the caller's steps done when signed in."""
    return await service.lessons_of(session, user, age_group)


@router.get("/{age_group}/{level}", response_model=LessonOut)
async def lesson(
    age_group: AgeGroup, user: CurrentUser, session: SessionDep, level: int = LevelNumber
) -> LessonOut:
    """One lesson: the idea, the worked example with its output, the questions (no answers
    before a try), the Parsons lines shuffled, the level's problems as tasks (403 if locked)."""
    return await service.lesson_for(session, user, age_group, level)


@router.post("/{age_group}/{level}/answers", response_model=AnswerOut)
async def answer(
    age_group: AgeGroup,
    body: AnswerIn,
    user: CurrentUser,
    session: SessionDep,
    level: int = LevelNumber,
) -> AnswerOut:
    """Check a prediction against the output the sandbox computed; record the step."""
    return await service.answer(session, user, age_group, level, body)


@router.post("/{age_group}/{level}/parsons", response_model=ParsonsResultOut)
async def parsons(
    age_group: AgeGroup,
    body: ParsonsIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: RunningPipelineDep,
    level: int = LevelNumber,
) -> ParsonsResultOut:
    """Build the program from the learner's order, run it on each test through the execution
    pipeline (503 + Retry-After when the workers are too busy), and record the step."""
    runner = PipelineRunner(session, settings, pipeline, user)
    return await service.check_parsons(session, user, age_group, level, body, runner)
