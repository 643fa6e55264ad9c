"""/problems routes: learners read published problems; teachers/admins author them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from coderunner.auth.deps import CurrentUser, OptionalUser, StaffUser
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.etag import ETagRoute
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep
from coderunner.problems import service
from coderunner.problems.schemas import (
    ModelSolutionOut,
    ProblemAdminOut,
    ProblemCreate,
    ProblemOut,
    ProblemPage,
    ProblemUpdate,
)

router = APIRouter(
    prefix="/problems", tags=["problems"], responses=ERROR_RESPONSES, route_class=ETagRoute
)


@router.get("", response_model=ProblemPage)
async def list_problems(
    session: SessionDep,
    viewer: OptionalUser,
    age_group: Annotated[AgeGroup | None, Query(alias="ageGroup")] = None,
    level: Annotated[int | None, Query(ge=1, le=1000)] = None,
    concept: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=service.MAX_PAGE_SIZE)] = 20,
) -> ProblemPage:
    return await service.list_problems(
        session,
        viewer,
        age_group=age_group,
        level=level,
        concept=concept,
        q=q,
        page=page,
        page_size=page_size,
    )


@router.get("/{problem_id}", response_model=ProblemOut)
async def get_problem(problem_id: str, session: SessionDep, viewer: OptionalUser) -> ProblemOut:
    return await service.get_for_learner(session, problem_id, viewer)


@router.get("/{problem_id}/solution", response_model=ModelSolutionOut)
async def get_model_solution(
    problem_id: str, session: SessionDep, user: CurrentUser
) -> ModelSolutionOut:
    """The reference solution and its "another way" note, once the caller has solved it
    (403 `NOT_SOLVED_YET` before: learners never get a solution unsolved)."""
    return await service.model_solution(session, problem_id, user)


@router.get("/{problem_id}/full", response_model=ProblemAdminOut)
async def get_problem_full(
    problem_id: str, session: SessionDep, staff: StaffUser
) -> ProblemAdminOut:
    return await service.get_for_staff(session, problem_id, staff)


@router.post("", response_model=ProblemAdminOut, status_code=201)
async def create_problem(
    body: ProblemCreate, session: SessionDep, staff: StaffUser
) -> ProblemAdminOut:
    return await service.create(session, body, staff)


@router.patch("/{problem_id}", response_model=ProblemAdminOut)
async def update_problem(
    problem_id: str, body: ProblemUpdate, session: SessionDep, staff: StaffUser
) -> ProblemAdminOut:
    return await service.update(session, problem_id, body, staff)


@router.delete("/{problem_id}", status_code=204, response_class=Response)
async def delete_problem(problem_id: str, session: SessionDep, staff: StaffUser) -> Response:
    await service.delete(session, problem_id, staff)
    return Response(status_code=204)
