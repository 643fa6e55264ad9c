"""The /drafts routes over the real app, on SQLite and PostgreSQL: a learner's own code per
problem and language, saved on top of the version it read (412 when another window saved
since), capped in size and rate, and never anyone else's."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coderunner.auth.models import Role
from tests.support.app import Account, create_account, problem_payload

PID = "reverse-word"
URL = f"/drafts/{PID}"
CODE = "word = input()\n\tprint(word[::-1])  \n"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"embedded_workers": False, "max_code_bytes": 1000, "draft_saves_per_minute": 0}


async def save(
    client: httpx.AsyncClient, who: Account, code: str, base: int, language: str = "python"
) -> httpx.Response:
    body = {"code": code, "baseVersion": base}
    return await client.put(f"{URL}/{language}", json=body, headers=who.headers)


async def test_a_draft_is_saved_read_back_and_versioned(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    empty = await client.get(URL, headers=learner.headers)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"problemId": PID, "items": []}

    first = await save(client, learner, CODE, 0)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    second = await save(client, learner, CODE + "# more\n", 1)
    assert second.status_code == 200, second.text
    assert second.json()["version"] == 2

    read = await client.get(URL, headers=learner.headers)
    [item] = read.json()["items"]
    # whitespace is the learner's: kept exactly
    assert item["code"] == CODE + "# more\n"
    assert item["language"] == "python"
    assert item["version"] == 2
    assert item["updatedAt"]


async def test_a_stale_save_is_refused_with_the_current_draft(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    assert (await save(client, learner, "print('tab one')", 0)).status_code == 200
    assert (await save(client, learner, "print('tab one again')", 1)).status_code == 200
    # a second tab that read version 1 saves on top of it: refused, with what is there now
    stale = await save(client, learner, "print('tab two')", 1)
    assert stale.status_code == 412, stale.text
    error = stale.json()["error"]
    assert error["code"] == "DRAFT_CHANGED"
    assert "another window" in error["message"]
    assert error["current"]["code"] == "print('tab one again')"
    assert error["current"]["version"] == 2
    # a tab that believes there is no draft yet is refused too
    assert (await save(client, learner, "x = 1", 0)).status_code == 412
    # choosing to keep tab two's code: save on top of the version the 412 named
    kept = await save(client, learner, "print('tab two')", error["current"]["version"])
    assert kept.status_code == 200, kept.text
    assert kept.json()["version"] == 3


async def test_a_save_naming_a_version_when_there_is_none_is_stale(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    missing = await save(client, learner, "x = 1", 5)
    assert missing.status_code == 412, missing.text
    assert missing.json()["error"]["current"] == {
        "language": "python",
        "code": None,
        "version": 0,
        "updatedAt": None,
    }


async def test_two_first_saves_at_once_one_wins_one_is_told(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    answers = await asyncio.gather(*(save(client, learner, f"print({i})", 0) for i in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 412)
    winner = next(a for a in answers if a.status_code == 200)
    assert loser.json()["error"]["current"]["code"] == winner.json()["code"]


async def test_two_saves_on_one_version_at_once_one_wins(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    assert (await save(client, learner, "start", 0)).status_code == 200
    answers = await asyncio.gather(*(save(client, learner, f"print({i})", 1) for i in range(2)))
    assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
    read = await client.get(URL, headers=learner.headers)
    assert read.json()["items"][0]["version"] == 2


async def test_drafts_are_only_ever_the_callers_own(
    app: FastAPI,
    client: httpx.AsyncClient,
    problem: dict[str, Any],
    learner: Account,
    teacher: Account,
) -> None:
    other = await create_account(app, "learner2", age_group="10-12")
    assert (await save(client, learner, "print('mine')", 0)).status_code == 200
    for who in (other, teacher):
        read = await client.get(URL, headers=who.headers)
        assert read.status_code == 200, read.text
        assert read.json()["items"] == []
        # their own first save starts their own draft, never on top of the learner's
        assert (await save(client, who, "print('theirs')", 0)).status_code == 200
    admin = await create_account(app, "admin2", Role.ADMIN)
    assert (await client.get(URL, headers=admin.headers)).json()["items"] == []
    read = await client.get(URL, headers=learner.headers)
    assert [i["code"] for i in read.json()["items"]] == ["print('mine')"]
    # without a login nothing is read or written
    assert (await client.get(URL)).status_code == 401
    anonymous = await client.put(f"{URL}/python", json={"code": "x", "baseVersion": 0})
    assert anonymous.status_code == 401
    assert (await client.delete(f"{URL}/python")).status_code == 401


async def test_too_much_code_is_refused_with_a_json_413(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    assert (await save(client, learner, "é" * 500, 0)).status_code == 200  # 1000 bytes: fits
    big = await save(client, learner, "é" * 501, 1)
    assert big.status_code == 413, big.text
    assert big.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "too long" in big.json()["error"]["message"]
    read = await client.get(URL, headers=learner.headers)
    assert read.json()["items"][0]["version"] == 1


async def test_bad_bodies_and_languages_are_clear_4xx(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    for body in ({"code": "x"}, {"code": "x", "baseVersion": -1}, {"baseVersion": 0}, {}):
        bad = await client.put(f"{URL}/python", json=body, headers=learner.headers)
        assert bad.status_code == 422, (body, bad.text)
        assert bad.json()["error"]["code"] == "VALIDATION_ERROR"
    nul = await client.put(
        f"{URL}/python", json={"code": "a\x00b", "baseVersion": 0}, headers=learner.headers
    )
    assert nul.status_code == 422, nul.text
    # this puzzle is Python only
    other = await save(client, learner, "console.log(1)", 0, language="javascript")
    assert other.status_code == 422, other.text
    assert other.json()["error"]["code"] == "UNKNOWN_LANGUAGE"


async def test_each_allowed_language_keeps_its_own_draft(
    client: httpx.AsyncClient, learner: Account, teacher: Account
) -> None:
    level = {"ageGroup": "10-12", "number": 1, "title": "Strings", "concepts": ["strings"]}
    assert (await client.post("/levels", json=level, headers=teacher.headers)).status_code == 201
    body = problem_payload(
        PID,
        otherLanguages={"javascript": {"starterCode": "// go", "solution": "console.log(1)"}},
    )
    created = await client.post("/problems", json=body, headers=teacher.headers)
    assert created.status_code == 201, created.text
    assert (await save(client, learner, "print(1)", 0)).status_code == 200
    assert (await save(client, learner, "console.log(1)", 0, "javascript")).status_code == 200
    read = await client.get(URL, headers=learner.headers)
    assert {i["language"]: i["code"] for i in read.json()["items"]} == {
        "javascript": "console.log(1)",
        "python": "print(1)",
    }


async def test_a_reset_forgets_the_code_and_outdates_other_windows(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    # nothing to forget yet: fine, version 0
    nothing = await client.delete(f"{URL}/python", headers=learner.headers)
    assert nothing.status_code == 200, nothing.text
    assert nothing.json()["version"] == 0
    assert (await save(client, learner, "print('old')", 0)).status_code == 200
    reset = await client.delete(f"{URL}/python", headers=learner.headers)
    assert reset.status_code == 200, reset.text
    assert reset.json()["code"] is None
    assert reset.json()["version"] == 2
    read = await client.get(URL, headers=learner.headers)
    assert read.json()["items"][0]["code"] is None
    # a window that still shows the old code cannot silently bring it back
    stale = await save(client, learner, "print('old')", 1)
    assert stale.status_code == 412
    assert stale.json()["error"]["current"]["code"] is None
    assert (await save(client, learner, "print('new')", 2)).status_code == 200


async def test_a_deleted_problem_takes_its_drafts_with_it(
    client: httpx.AsyncClient, problem: dict[str, Any], learner: Account, teacher: Account
) -> None:
    assert (await save(client, learner, "print('x')", 0)).status_code == 200
    gone = await client.delete(f"/problems/{PID}", headers=teacher.headers)
    assert gone.status_code in (200, 204), gone.text
    assert (await client.get(URL, headers=learner.headers)).status_code == 404


@pytest.mark.parametrize(
    "settings_overrides",
    [{"embedded_workers": False, "draft_saves_per_minute": 3}],
)
async def test_saves_are_rate_limited_per_learner(
    app: FastAPI, client: httpx.AsyncClient, problem: dict[str, Any], learner: Account
) -> None:
    version = 0
    for i in range(3):
        saved = await save(client, learner, f"print({i})", version)
        assert saved.status_code == 200, saved.text
        version = saved.json()["version"]
    limited = await save(client, learner, "print('fast')", version)
    assert limited.status_code == 429, limited.text
    assert int(limited.headers["retry-after"]) >= 1
    assert "saves again" in limited.json()["error"]["message"]
    # another learner has their own budget, and reading is not limited
    other = await create_account(app, "learner3", age_group="10-12")
    assert (await save(client, other, "print('me')", 0)).status_code == 200
    assert (await client.get(URL, headers=learner.headers)).status_code == 200
