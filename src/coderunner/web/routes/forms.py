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


# the API's validators write their refusals for a child; pydantic puts this before them
_API_WORDS = "Value error, "


def api_words(message: str, field: str) -> str | None:
    """The API's own sentence when it refused `field` (a `VALIDATION_ERROR` message reads
    "<field>: Value error, <words>"), as a sentence; None for any other refusal."""
    where, _, detail = (part.strip() for part in message.partition(":"))
    if where != field or not detail.startswith(_API_WORDS):
        return None
    words = detail.removeprefix(_API_WORDS)
    return words[:1].upper() + words[1:] + "."
