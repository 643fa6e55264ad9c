"""Problem rules: who sees what, authoring by teachers/admins."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.db.base import utcnow
from coderunner.grading.schemas import DRAWING
from coderunner.kernel.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable
from coderunner.kernel.schemas import InputModel
from coderunner.learning import access
from coderunner.learning.access import is_staff
from coderunner.problems import repository
from coderunner.problems.models import Problem, TestCase
from coderunner.problems.schemas import (
    ModelSolutionOut,
    OtherLanguages,
    ProblemAdminOut,
    ProblemCreate,
    ProblemOut,
    ProblemPage,
    ProblemSummary,
    ProblemUpdate,
    TestCaseIn,
    TestCaseOut,
    VisibleTestOut,
)
from coderunner.progress import repository as progress_repository
from coderunner.progress.models import ProgressStatus
from coderunner.sandbox import registry

MAX_PAGE_SIZE = 100


async def list_problems(
    session: AsyncSession,
    viewer: User | None,
    *,
    age_group: str | None,
    level: int | None,
    concept: str | None,
    q: str | None,
    page: int,
    page_size: int,
) -> ProblemPage:
    """Published problems in the levels open to `viewer` (staff: every problem).

    Naming a level that is locked for the viewer answers 403 `LEVEL_LOCKED`, as reading it does.
    """
    levels = await access.open_levels(session, viewer, age_group)
    named = (age_group, level) if age_group is not None and level is not None else None
    if levels is not None and named is not None and named not in levels:
        await access.ensure_level_open(session, viewer, *named)  # 403, or 404 for no such level
    stmt = repository.filtered(
        age_group=age_group,
        level=level,
        concept=concept,
        q=q,
        published_only=not is_staff(viewer),
        levels=levels,
    )
    rows, total = await repository.page(
        session, stmt, offset=(page - 1) * page_size, limit=page_size
    )
    return ProblemPage(
        items=[ProblemSummary.model_validate(p) for p in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


async def _load(
    session: AsyncSession, problem_id: str, viewer: User | None
) -> tuple[Problem, bool]:
    """The problem and whether it is a class's own (which the level rules don't govern)."""
    problem = await repository.get(session, problem_id, with_tests=True)
    if problem is None:
        raise NotFound("no such problem")
    own = await access.class_problem_gate(session, viewer, problem)
    if not own and not problem.is_published and not is_staff(viewer):
        raise NotFound("no such problem")
    return problem, own


def starters_of(problem: Problem) -> dict[str, str]:
    """The starter code in each language the problem allows."""
    others = problem.other_languages or {}
    return {problem.language: problem.starter_code} | {
        name: str(variant.get("starterCode", "")) for name, variant in others.items()
    }


def solutions_of(problem: Problem) -> dict[str, str]:
    """The reference solution in each language the problem allows."""
    others = problem.other_languages or {}
    return {problem.language: problem.reference_solution} | {
        name: str(variant.get("solution", "")) for name, variant in others.items()
    }


def learner_view(problem: Problem) -> ProblemOut:
    """The learner-facing problem: visible tests only, no solution, no comparison settings."""
    return ProblemOut(
        id=problem.id,
        title=problem.title,
        age_group=problem.age_group,
        level_number=problem.level_number,
        order=problem.order,
        difficulty=problem.difficulty,
        xp=problem.xp,
        concepts=list(problem.concepts),
        statement=problem.statement,
        starter_code=problem.starter_code,
        hints=list(problem.hints),
        language=problem.language,
        languages=problem.languages,
        starters=starters_of(problem),
        limits=dict(problem.limits),
        tests=[
            VisibleTestOut(name=t.name, input=t.input, expected_output=t.expected_output)
            for t in problem.test_cases
            if not t.hidden
        ],
    )


def staff_view(problem: Problem) -> ProblemAdminOut:
    data = ProblemSummary.model_validate(problem).model_dump()
    return ProblemAdminOut(
        **data,
        statement=problem.statement,
        starter_code=problem.starter_code,
        hints=list(problem.hints),
        language=problem.language,
        other_languages=dict(problem.other_languages or {}),
        limits=dict(problem.limits),
        comparison=dict(problem.comparison),
        reference_solution=problem.reference_solution,
        rules=dict(problem.rules) if problem.rules else None,
        source=problem.source,
        created_by=problem.created_by,
        is_published=problem.is_published,
        created_at=problem.created_at,
        updated_at=problem.updated_at,
        tests=[TestCaseOut.model_validate(t) for t in problem.test_cases],
    )


async def get_for_learner(
    session: AsyncSession, problem_id: str, viewer: User | None
) -> ProblemOut:
    problem, own = await _load(session, problem_id, viewer)
    if not own:
        await access.ensure_level_open(session, viewer, problem.age_group, problem.level_number)
    return learner_view(problem)


async def model_solution(session: AsyncSession, problem_id: str, viewer: User) -> ModelSolutionOut:
    """The model solution, for a learner who has solved the problem (staff: always).

    Never before: a learner who has not solved it gets 403 `NOT_SOLVED_YET`.
    """
    problem, own = await _load(session, problem_id, viewer)
    if not is_staff(viewer):
        if not own:
            await access.ensure_level_open(session, viewer, problem.age_group, problem.level_number)
        progress = await progress_repository.get(session, viewer.id, problem.id)
        if progress is None or progress.status != ProgressStatus.SOLVED:
            raise Forbidden(
                "Solve this puzzle first. Then you can see the model solution.",
                code="NOT_SOLVED_YET",
            )
    return ModelSolutionOut(
        problem_id=problem.id,
        solution=problem.reference_solution,
        solutions=solutions_of(problem),
        another_way=problem.another_way,
    )


async def get_for_staff(session: AsyncSession, problem_id: str, viewer: User) -> ProblemAdminOut:
    problem, _ = await _load(session, problem_id, viewer)
    return staff_view(problem)


def _stored(model: InputModel) -> dict[str, Any]:
    """JSON columns keep camelCase keys, as the curriculum files and the worker use them."""
    return model.model_dump(by_alias=True, exclude_none=True)


def _test_cases(tests: list[TestCaseIn]) -> list[TestCase]:
    return [
        TestCase(
            position=i,
            name=t.name or f"test {i + 1}",
            input=t.input,
            expected_output=t.expected_output,
            hidden=t.hidden,
            hint=t.hint,
        )
        for i, t in enumerate(tests)
    ]


def _variants(variants: OtherLanguages) -> dict[str, Any]:
    return {name: variant.model_dump(by_alias=True) for name, variant in variants.items()}


def check_languages(language: str, others: dict[str, Any], mode: str | None) -> None:
    """A problem's languages must be ones the sandbox runs, and a turtle drawing needs a language
    with the turtle (its other languages could not be graded on a picture): 422 otherwise."""
    languages = registry()
    enabled = sorted(k for k, v in languages.items() if v.enabled)
    for name in (language, *others):
        if name not in enabled:
            raise Unprocessable(
                f"unknown language {name!r}; available: {', '.join(enabled)}",
                code="UNKNOWN_LANGUAGE",
            )
    if language in others:
        raise Unprocessable(
            f"{language!r} is the problem's own language, not another one",
            code="UNKNOWN_LANGUAGE",
        )
    if mode == DRAWING and (not languages[language].drawing or others):
        raise Unprocessable(
            "a turtle drawing problem is written in Python only, with no other language",
            code="DRAWING_LANGUAGE",
        )


async def create(session: AsyncSession, data: ProblemCreate, author: User) -> ProblemAdminOut:
    check_languages(data.language, data.other_languages, data.comparison.mode)
    if await repository.get(session, data.id) is not None:
        raise Conflict("a problem with this id exists", code="PROBLEM_EXISTS")
    fields = data.model_dump(exclude={"tests", "comparison", "limits", "rules", "other_languages"})
    problem = Problem(
        **fields,
        other_languages=_variants(data.other_languages),
        comparison=_stored(data.comparison),
        limits=_stored(data.limits),
        rules=_stored(data.rules) if data.rules is not None else None,
        source="authored",
        created_by=author.id,
    )
    problem.test_cases = _test_cases(data.tests)
    session.add(problem)
    await session.flush()
    return staff_view(problem)


async def update(
    session: AsyncSession, problem_id: str, data: ProblemUpdate, editor: User
) -> ProblemAdminOut:
    problem, own = await _load(session, problem_id, editor)
    if own and data.is_published:
        raise AppError(
            "This puzzle was written for a class, so it stays in that class. "
            "Write a new puzzle under Problems to share one with everyone.",
            code="CLASS_PROBLEM",
            status_code=422,
        )
    stored_mode = (problem.comparison or {}).get("mode")
    check_languages(
        data.language or problem.language,
        problem.other_languages or {} if data.other_languages is None else data.other_languages,
        stored_mode if data.comparison is None else data.comparison.mode,
    )
    changes = data.model_dump(
        exclude_unset=True, exclude={"tests", "comparison", "limits", "rules", "other_languages"}
    )
    if data.other_languages is not None:
        changes["other_languages"] = _variants(data.other_languages)
    for key, value in changes.items():
        if value is not None:
            setattr(problem, key, value)
    if data.comparison is not None:
        problem.comparison = _stored(data.comparison)
    if data.limits is not None:
        problem.limits = _stored(data.limits)
    if data.rules is not None:
        problem.rules = _stored(data.rules)
    if data.tests is not None:
        problem.test_cases = []
        await session.flush()  # delete the old rows before positions are reused
        problem.test_cases = _test_cases(data.tests)
    problem.updated_at = utcnow()
    await session.flush()
    return staff_view(problem)


async def delete(session: AsyncSession, problem_id: str, editor: User) -> None:
    problem, _ = await _load(session, problem_id, editor)
    await repository.remove(session, problem)
    await session.flush()
