"""Reading HTML forms: CSRF check first, then plain string fields."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from ..csrf import CSRF_FIELD, check_form

MAX_FORM_BYTES = 256 * 1024


async def read_form(request: Request) -> FormData:
    """The request's form, after checking its CSRF token (raises CsrfError)."""
    form = await request.form(max_files=0, max_fields=400, max_part_size=MAX_FORM_BYTES)
    check_form(request, form.get(CSRF_FIELD))
    return form


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default
