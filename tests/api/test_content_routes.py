"""Levels, problems (CRUD, filters, pagination) and cheatsheets."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from coderunner.cheatsheets.models import Cheatsheet
from tests.support.app import Account, problem_payload


async def _level(client: httpx.AsyncClient, who: Account, age: str, number: int) -> None:
    body = {"ageGroup": age, "number": number, "title": f"Level {number}", "concepts": ["x"]}
    response = await client.post("/levels", json=body, headers=who.headers)
    assert response.status_code == 201, response.text


async def test_levels_list_in_curriculum_order(client: httpx.AsyncClient, admin: Account) -> None:
    for age, number in (("13-16", 1), ("10-12", 2), ("7-9", 1), ("10-12", 1)):
        await _level(client, admin, age, number)
    levels = (await client.get("/levels")).json()
    assert [(lv["ageGroup"], lv["number"]) for lv in levels] == [
        ("7-9", 1),
        ("10-12", 1),
        ("10-12", 2),
        ("13-16", 1),
    ]
    only = (await client.get("/levels/10-12")).json()
    assert [lv["number"] for lv in only] == [1, 2]
    duplicate = await client.post(
        "/levels", json={"ageGroup": "7-9", "number": 1, "title": "again"}, headers=admin.headers
    )
    assert duplicate.status_code == 409


async def test_level_detail_lists_published_problems(
    client: httpx.AsyncClient, teacher: Account, learner: Account, problem: dict[str, Any]
) -> None:
    draft = problem_payload("draft-one", isPublished=False, order=2, title="Draft")
    assert (await client.post("/problems", json=draft, headers=teacher.headers)).status_code == 201
    detail = (await client.get("/levels/10-12/1", headers=learner.headers)).json()
    assert [p["id"] for p in detail["problems"]] == ["reverse-word"]
    assert detail["problemCount"] == 1
    staff = (await client.get("/levels/10-12/1", headers=teacher.headers)).json()
    assert [p["id"] for p in staff["problems"]] == ["reverse-word", "draft-one"]
    assert (await client.get("/problems/draft-one", headers=learner.headers)).status_code == 404
    assert (await client.get("/levels/10-12/7")).status_code == 404


async def test_level_update_and_delete(client: httpx.AsyncClient, admin: Account) -> None:
    await _level(client, admin, "7-9", 3)
    response = await client.patch(
        "/levels/7-9/3", json={"title": "Loops", "cheatsheetSlug": "loops"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["cheatsheetSlug"]) == ("Loops", "loops")
    assert (await client.delete("/levels/7-9/3", headers=admin.headers)).status_code == 204
    assert (await client.get("/levels/7-9/3")).status_code == 404


async def test_problem_filters_and_pagination(client: httpx.AsyncClient, teacher: Account) -> None:
    specs = [
        ("loop-a", "7-9", 1, ["loops"], "Count sheep"),
        ("loop-b", "7-9", 2, ["loops", "if"], "Count stars"),
        ("str-a", "10-12", 1, ["strings"], "Shout it"),
        ("str-b", "10-12", 1, ["strings_ext"], "Whisper 100%"),
    ]
    for i, (pid, age, level, concepts, title) in enumerate(specs):
        body = problem_payload(
            pid, ageGroup=age, levelNumber=level, concepts=concepts, title=title, order=i
        )
        response = await client.post("/problems", json=body, headers=teacher.headers)
        assert response.status_code == 201, response.text

    # staff see every level (a visitor sees only each age group's first level: tests/execution/
    # test_level_access.py); the filters are the point here
    async def ids(query: str) -> list[str]:
        response = await client.get(f"/problems?{query}", headers=teacher.headers)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert await ids("ageGroup=7-9") == ["loop-a", "loop-b"]
    assert await ids("ageGroup=7-9&level=2") == ["loop-b"]
    assert await ids("concept=loops") == ["loop-a", "loop-b"]
    assert await ids("concept=strings") == ["str-a"]  # not strings_ext
    assert await ids("concept=string") == []
    assert await ids("q=COUNT") == ["loop-a", "loop-b"]
    assert await ids("q=100%25") == ["str-b"]
    assert await ids("q=%25") == ["str-b"]  # '%' is literal, not a wildcard
    first = (await client.get("/problems?pageSize=3&page=1", headers=teacher.headers)).json()
    second = (await client.get("/problems?pageSize=3&page=2", headers=teacher.headers)).json()
    assert first["total"] == second["total"] == 4
    assert (first["page"], first["pageSize"]) == (1, 3)
    assert len(first["items"]) == 3
    assert len(second["items"]) == 1
    assert {p["id"] for p in first["items"] + second["items"]} == {s[0] for s in specs}


async def test_problem_update_replaces_tests_and_delete(
    client: httpx.AsyncClient, teacher: Account, problem: dict[str, Any]
) -> None:
    pid = problem["id"]
    new_tests = [
        {"input": "1", "expectedOutput": "1"},
        {"input": "2", "expectedOutput": "2", "hidden": True},
        {"input": "3", "expectedOutput": "3"},
    ]
    response = await client.patch(
        f"/problems/{pid}",
        json={"title": "Reverse!", "tests": new_tests, "xp": 30},
        headers=teacher.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Reverse!"
    assert body["xp"] == 30
    assert [(t["position"], t["input"], t["hidden"]) for t in body["tests"]] == [
        (0, "1", False),
        (1, "2", True),
        (2, "3", False),
    ]
    learner_view = (await client.get(f"/problems/{pid}")).json()
    assert [t["input"] for t in learner_view["tests"]] == ["1", "3"]
    assert (await client.delete(f"/problems/{pid}", headers=teacher.headers)).status_code == 204
    assert (await client.get(f"/problems/{pid}")).status_code == 404


async def test_problem_create_conflict_and_validation(
    client: httpx.AsyncClient, teacher: Account, problem: dict[str, Any]
) -> None:
    again = await client.post("/problems", json=problem_payload(), headers=teacher.headers)
    assert again.status_code == 409
    bad_slug = await client.post(
        "/problems", json=problem_payload("Bad Slug!"), headers=teacher.headers
    )
    assert bad_slug.status_code == 422
    full = await client.get(f"/problems/{problem['id']}/full", headers=teacher.headers)
    assert full.json()["createdBy"] == teacher.id
    assert full.json()["source"] == "authored"


async def test_a_problems_languages_must_be_ones_the_sandbox_runs(
    client: httpx.AsyncClient, teacher: Account
) -> None:
    """The teacher's editor sends the language, other languages and the drawing mode: the API
    refuses what could never be graded, when made and when changed."""
    turtle = {"mode": "drawing"}
    refused: list[tuple[dict[str, Any], str]] = [
        ({"language": "cobol"}, "UNKNOWN_LANGUAGE"),
        ({"otherLanguages": {"ruby": {"solution": "puts 1"}}}, "UNKNOWN_LANGUAGE"),
        ({"otherLanguages": {"python": {"solution": "print(1)"}}}, "UNKNOWN_LANGUAGE"),
        ({"language": "javascript", "comparison": turtle}, "DRAWING_LANGUAGE"),
        (
            {"comparison": turtle, "otherLanguages": {"javascript": {"solution": "x"}}},
            "DRAWING_LANGUAGE",
        ),
    ]
    for overrides, code in refused:
        body = problem_payload("lang-check", **overrides)
        response = await client.post("/problems", json=body, headers=teacher.headers)
        assert response.status_code == 422, (overrides, response.text)
        assert response.json()["error"]["code"] == code
    body = problem_payload(
        "lang-check",
        language="javascript",
        otherLanguages={"python": {"starterCode": "", "solution": "print(input()[::-1])"}},
    )
    made = await client.post("/problems", json=body, headers=teacher.headers)
    assert made.status_code == 201, made.text
    assert made.json()["otherLanguages"]["python"]["solution"] == "print(input()[::-1])"
    # a change is checked against what it keeps: drawing with the stored JavaScript
    changed = await client.patch(
        "/problems/lang-check", json={"comparison": turtle}, headers=teacher.headers
    )
    assert changed.status_code == 422, changed.text
    assert changed.json()["error"]["code"] == "DRAWING_LANGUAGE"
    drawing = await client.patch(
        "/problems/lang-check",
        json={"language": "python", "otherLanguages": {}, "comparison": turtle},
        headers=teacher.headers,
    )
    assert drawing.status_code == 200, drawing.text
    assert (drawing.json()["language"], drawing.json()["comparison"]["mode"]) == (
        "python",
        "drawing",
    )


async def test_cheatsheets(client: httpx.AsyncClient, app: FastAPI) -> None:
    async with app.state.sessionmaker() as session:
        session.add_all(
            [
                Cheatsheet(
                    slug="print",
                    title="Print",
                    age_group="7-9",
                    level_number=1,
                    body="# print\n`print('hi')`",
                    position=1,
                ),
                Cheatsheet(
                    slug="loops",
                    title="Loops",
                    age_group="7-9",
                    level_number=2,
                    body="for i in range(3)",
                    position=1,
                ),
                Cheatsheet(
                    slug="strings",
                    title="Strings",
                    age_group="10-12",
                    level_number=None,
                    body="s[::-1]",
                    position=0,
                ),
            ]
        )
        await session.commit()
    listed = (await client.get("/cheatsheets?ageGroup=7-9")).json()
    assert [c["slug"] for c in listed] == ["print", "loops"]
    assert "body" not in listed[0]
    level_two = (await client.get("/cheatsheets?ageGroup=7-9&level=2")).json()
    assert [c["slug"] for c in level_two] == ["loops"]
    one = (await client.get("/cheatsheets/print")).json()
    assert one["body"].startswith("# print")
    assert one["levelNumber"] == 1
    assert (await client.get("/cheatsheets/nope")).status_code == 404
