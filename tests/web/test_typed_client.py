"""The web reads the API through the API's own schemas, and imports no domain logic."""

from __future__ import annotations

import subprocess
import sys
from typing import cast

import pytest

from coderunner.levels.schemas import LevelOut
from coderunner.web.api_client import ApiClient, ApiError, parse, parse_list, wire
from coderunner.web.checking import check_solution

# what the web process may not load: the domains' rules, queries, routes, tables and the job
# pipeline (it reads the API's schemas, nothing else of a domain)
DOMAIN_LOGIC = ("service", "repository", "router", "deps", "worker", "pipeline", "models")

LEVEL = {
    "id": 1,
    "ageGroup": "7-9",
    "number": 1,
    "title": "First steps",
    "description": "",
    "concepts": [],
    "cheatsheetSlug": None,
    "problemCount": 3,
}


def test_the_web_app_loads_schemas_not_domain_logic() -> None:
    probe = "import sys, coderunner.web.app\nprint('\\n'.join(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = [
        name
        for name in done.stdout.split()
        if name.startswith("coderunner.") and name.rsplit(".", 1)[-1] in DOMAIN_LOGIC
    ]
    assert loaded == []
    assert "coderunner.db.base" not in done.stdout.split()  # no table, no SQLAlchemy model
    assert "coderunner.levels.schemas" in done.stdout.split()


def test_a_body_is_read_as_the_apis_schema_and_given_back_as_sent() -> None:
    level = parse(LevelOut, LEVEL)
    assert (level.age_group, level.problem_count) == ("7-9", 3)
    assert {k: v for k, v in wire(level).items() if k in LEVEL} == LEVEL
    assert parse_list(LevelOut, [LEVEL]) == [level]


@pytest.mark.parametrize("body", [{"levels": [LEVEL]}, {**LEVEL, "number": "one"}, None])
def test_another_shape_is_a_bad_api_response_not_a_guess(body: object) -> None:
    with pytest.raises(ApiError) as caught:
        parse(LevelOut, body)
    assert (caught.value.status, caught.value.code) == (502, "BAD_API_RESPONSE")


class OddApi:
    """An API that answers a draft check with something that is not a job."""

    async def request(self, method: str, path: str, **_: object) -> object:
        return {"jobId": "j1", "status": "completed", "submissionResult": "all good"}

    async def get(self, path: str, **_: object) -> object:
        return await self.request("GET", path)


async def test_a_checks_odd_answer_is_a_bad_api_response_too() -> None:
    problem = {"tests": [], "comparison": {}, "referenceSolution": "print(1)"}
    with pytest.raises(ApiError) as caught:
        await check_solution(cast(ApiClient, OddApi()), problem)
    assert (caught.value.status, caught.value.code) == (502, "BAD_API_RESPONSE")
