"""The /lessons routes over the real app: reading a lesson, predictions checked on the server,
locks, and the Parsons puzzle run through the execution pipeline in the real sandbox."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coderunner.content.sync import sync_content
from coderunner.progress.service import record_submission
from tests.support.app import Account


async def seed(app: FastAPI) -> None:
    async with app.state.sessionmaker() as session:
        await sync_content(session)
        await session.commit()


def right_answer(question: dict[str, Any], outputs: dict[int, str]) -> str:
    return outputs[question["index"]]


async def test_a_lesson_is_served_without_its_answers(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed(app)
    listed = await client.get("/lessons/7-9")
    assert listed.status_code == 200, listed.text
    lessons = listed.json()["lessons"]
    assert [lesson["level"] for lesson in lessons] == [1, 2, 3, 4, 5]
    assert all(not lesson["completed"] and lesson["stepsDone"] == 0 for lesson in lessons)

    assert (await client.get("/lessons/7-9/1")).status_code == 401
    response = await client.get("/lessons/7-9/1", headers=learner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Make the computer talk"
    assert body["example"]["output"] == "Hello!\nGoodbye\n"
    assert "answer" not in response.text
    assert all(q["output"] is None for q in body["predict"])
    choice = body["predict"][0]
    assert choice["kind"] == "choice"
    assert sorted(choice["options"]) == ["cat + dog", "cat dog", "catdog"]
    lines = body["parsons"]["lines"]
    assert [line["id"] for line in lines] != sorted(line["id"] for line in lines)
    assert all(line["indent"] == 0 for line in lines)  # 7-9: indentation is given
    assert body["stepsTotal"] == 4
    tasks = body["tasks"]
    assert len(tasks) >= 5
    assert all(task["kind"] in ("modify", "make") for task in tasks)
    assert [task["practice"] for task in tasks] == sorted(task["practice"] for task in tasks)
    assert sum(not task["practice"] for task in tasks) == -(-len(tasks) * 6 // 10)

    older = await client.get("/lessons/10-12/1", headers=learner.headers)
    assert all(line["indent"] is None for line in older.json()["parsons"]["lines"])


async def test_predictions_are_checked_on_the_server_and_recorded(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed(app)
    url = "/lessons/7-9/1/answers"
    wrong = await client.post(
        url, json={"question": 0, "answer": "cat dog"}, headers=learner.headers
    )
    assert wrong.status_code == 200, wrong.text
    assert wrong.json()["correct"] is False
    assert wrong.json()["output"] == "catdog\n"  # shown once the learner has predicted
    assert wrong.json()["stepsDone"] == 0

    right = await client.post(
        url, json={"question": 0, "answer": "catdog"}, headers=learner.headers
    )
    assert right.json()["correct"] is True
    assert right.json()["stepsDone"] == 1
    typed = await client.post(
        url, json={"question": 1, "answer": "Hi\nHi!  \n\n"}, headers=learner.headers
    )
    assert typed.json()["correct"] is True

    not_option = await client.post(
        url, json={"question": 0, "answer": "dogcat"}, headers=learner.headers
    )
    assert not_option.status_code == 422
    assert not_option.json()["error"]["code"] == "NOT_AN_OPTION"
    missing = await client.post(url, json={"question": 7, "answer": "x"}, headers=learner.headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"

    lesson = (await client.get("/lessons/7-9/1", headers=learner.headers)).json()
    assert [q["done"] for q in lesson["predict"]] == [True, True, False]
    assert lesson["predict"][0]["attempts"] == 2
    assert lesson["predict"][0]["output"] == "catdog\n"
    assert lesson["predict"][2]["output"] is None
    listed = (await client.get("/lessons/7-9", headers=learner.headers)).json()
    assert listed["lessons"][0]["stepsDone"] == 2


async def test_a_locked_level_keeps_its_lesson_closed(
    app: FastAPI, client: httpx.AsyncClient, learner: Account, teacher: Account
) -> None:
    await seed(app)
    locked = await client.get("/lessons/7-9/2", headers=learner.headers)
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "LEVEL_LOCKED"
    answer = await client.post(
        "/lessons/7-9/2/answers", json={"question": 0, "answer": "7"}, headers=learner.headers
    )
    assert answer.status_code == 403
    assert (await client.get("/lessons/7-9/2", headers=teacher.headers)).status_code == 200
    # the list names no puzzle of a locked level (to a learner or anyone signed out)
    for viewer in ({}, learner.headers):
        listed = (await client.get("/lessons/7-9", headers=viewer)).json()["lessons"]
        assert listed[0]["practice"], viewer
        assert [lesson["practice"] for lesson in listed[1:]] == [[]] * 4, viewer
    staff_list = (await client.get("/lessons/7-9", headers=teacher.headers)).json()["lessons"]
    assert all(lesson["practice"] for lesson in staff_list)
    async with app.state.sessionmaker() as session:
        level_one = (await client.get("/lessons/7-9/1", headers=learner.headers)).json()
        for task in level_one["tasks"]:
            if not task["practice"]:
                await record_submission(session, learner.id, task["problemId"], 1.0, True)
        await session.commit()
    assert (await client.get("/lessons/7-9/2", headers=learner.headers)).status_code == 200
    opened = (await client.get("/lessons/7-9", headers=learner.headers)).json()["lessons"]
    assert opened[1]["practice"]
    assert not opened[2]["practice"]
    assert (await client.get("/lessons/7-9/9", headers=learner.headers)).status_code == 404
    assert (await client.get("/lessons/6-8/1", headers=learner.headers)).status_code == 422


def _in_order(body: dict[str, Any], indents: dict[int, int] | None = None) -> list[dict[str, int]]:
    ids = sorted(line["id"] for line in body["parsons"]["lines"])
    return [{"id": i, "indent": (indents or {}).get(i, 0)} for i in ids]


@pytest.mark.sandbox
@pytest.mark.usefixtures("real_sandbox")
async def test_a_parsons_order_runs_through_the_pipeline(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    await seed(app)
    url = "/lessons/10-12/1/parsons"
    body = (await client.get("/lessons/10-12/1", headers=learner.headers)).json()
    # from 10-12 on the learner sets the indentation: one line too far in does not run
    indented = await client.post(
        url, json={"lines": _in_order(body, {1: 1})}, headers=learner.headers
    )
    assert indented.status_code == 200, indented.text
    result = indented.json()
    assert result["passed"] is False
    assert result["tests"][0]["error"].split(":")[0] in ("COMPILATION_ERROR", "RUNTIME_ERROR")
    assert len(result["tests"]) == 1  # stops at the first failing test
    assert result["stepsDone"] == 0

    ids = sorted(line["id"] for line in body["parsons"]["lines"])
    swapped = [{"id": i, "indent": 0} for i in [ids[1], ids[0], *ids[2:]]]
    wrong = await client.post(url, json={"lines": swapped}, headers=learner.headers)
    assert wrong.json()["passed"] is False
    assert "NameError" in wrong.json()["tests"][0]["error"]

    right = await client.post(url, json={"lines": _in_order(body)}, headers=learner.headers)
    assert right.status_code == 200, right.text
    assert right.json()["passed"] is True, right.json()
    assert len(right.json()["tests"]) == 3
    assert right.json()["tests"][0]["actual"] == "2 h 5 min\n"
    assert right.json()["code"].startswith("total = int(input())\nhours = total // 60\n")
    assert right.json()["stepsDone"] == 1

    short = await client.post(url, json={"lines": _in_order(body)[:-1]}, headers=learner.headers)
    assert short.status_code == 422
    assert short.json()["error"]["code"] == "PARSONS_LINES_INCOMPLETE"
    lesson = (await client.get("/lessons/10-12/1", headers=learner.headers)).json()
    assert lesson["parsons"]["done"] is True
    assert lesson["parsons"]["attempts"] == 3
