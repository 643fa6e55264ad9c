"""The lesson page: read the idea, predict outputs, order a Parsons puzzle, then the tasks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coderunner.lessons.schemas import LessonOut

from ..api_client import ApiError, wire
from ..templating import render
from ..views import api, require_user
from .learn import _age_group, _locked


async def lesson_page(request: Request) -> Response:
    age_group = _age_group(request)
    number = int(request.path_params["number"])
    user = await require_user(request)
    try:
        lesson = await api(request).read(LessonOut, f"/lessons/{age_group}/{number}")
    except ApiError as exc:
        if exc.status == 403:
            return _locked(request, age_group, number, exc.message)
        raise
    page_data = {
        "ageGroup": age_group,
        "level": number,
        "indentsMatter": lesson.parsons.indents_matter,
        "stepsTotal": lesson.steps_total,
    }
    context = {
        "age_group": age_group,
        "number": number,
        "lesson": wire(lesson),
        "page_data": page_data,
    }
    return render(request, "lesson.html", context, user=user)


routes = [Route("/levels/{age_group}/{number:int}/lesson", lesson_page)]
