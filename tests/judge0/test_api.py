"""The Judge0-compatible API in-process: base64, fields, statuses, limits, keys, ownership,
batches, deletion, callbacks (off by default, never to private addresses)."""

from __future__ import annotations

import base64
import threading
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coderunner.judge0 import callbacks, repository, service
from coderunner.judge0.models import ApiKey
from tests.support.app import create_account

pytestmark = pytest.mark.sandbox

PYTHON = 92


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def run(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("language_id", PYTHON)
    response = await client.post(
        "/judge0/submissions?wait=true&fields=*", json=body, headers=headers
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    assert answer["status"]["id"] not in (1, 2), "the wait ended before the run"
    return answer


async def key_for(app: FastAPI, username: str) -> dict[str, str]:
    async with app.state.sessionmaker() as session:
        key = await service.create_api_key(session, username, "test")
        await session.commit()
    return {"X-Auth-Token": key}


async def test_statuses_languages_about_and_config(client: httpx.AsyncClient) -> None:
    statuses = (await client.get("/judge0/statuses")).json()
    assert [s["id"] for s in statuses] == list(range(1, 15))
    assert statuses[3] == {"id": 4, "description": "Wrong Answer"}
    assert statuses[10]["description"] == "Runtime Error (NZEC)"
    languages = {
        lang["id"]: lang["name"] for lang in (await client.get("/judge0/languages")).json()
    }
    assert languages[92].startswith("Python (3.11")
    assert languages[93].startswith("JavaScript (Node.js")
    assert languages[91].startswith("Java (OpenJDK 17")
    java = (await client.get("/judge0/languages/91")).json()
    assert java["source_file"] == "Main.java"
    assert "-proc:none" in java["compile_cmd"]
    assert (await client.get("/judge0/languages/999")).status_code == 404
    assert (await client.get("/judge0/about")).json()["version"] == "1.13.1"
    config = (await client.get("/judge0/config_info")).json()
    assert config["enable_network"] is False
    assert config["enable_callbacks"] is False
    assert config["max_memory_limit"] == 512 * 1024


async def test_api_key_is_stored_hashed_and_acts_as_its_user(
    app: FastAPI, client: httpx.AsyncClient, learner: Any
) -> None:
    headers = await key_for(app, learner.username)
    async with app.state.sessionmaker() as session:
        from sqlalchemy import select

        stored = (await session.scalars(select(ApiKey))).all()
    assert len(stored) == 1
    assert stored[0].key_hash != headers["X-Auth-Token"]
    assert stored[0].key_hash == service.hash_key(headers["X-Auth-Token"])
    answer = await run(client, headers, source_code="print('hi')")
    assert answer["stdout"] == "hi\n"
    # the same submission is the learner's with the bearer token too
    mine = await client.get(f"/judge0/submissions/{answer['token']}", headers=learner.headers)
    assert mine.status_code == 200


async def test_base64_in_and_out(client: httpx.AsyncClient, learner: Any) -> None:
    response = await client.post(
        "/judge0/submissions?base64_encoded=true&wait=true",
        json={"source_code": b64("print(input() + '!')"), "language_id": 92, "stdin": b64("héllo")},
        headers=learner.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert base64.b64decode(body["stdout"]).decode() == "héllo!\n"
    assert set(body) == set(service.DEFAULT_FIELDS)
    bad = await client.post(
        "/judge0/submissions?base64_encoded=true",
        json={"source_code": "not base64 at all!", "language_id": 92},
        headers=learner.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "INVALID_BASE64"


async def test_expected_output_grades(client: httpx.AsyncClient, learner: Any) -> None:
    code = "print(int(input()) * 2)"
    right = await run(client, learner.headers, source_code=code, stdin="4", expected_output="8")
    assert right["status"] == {"id": 3, "description": "Accepted"}
    wrong = await run(client, learner.headers, source_code=code, stdin="4", expected_output="9")
    assert wrong["status"] == {"id": 4, "description": "Wrong Answer"}


async def test_runtime_errors_and_our_extra_detail(client: httpx.AsyncClient, learner: Any) -> None:
    nzec = await run(client, learner.headers, source_code="raise SystemExit(3)")
    assert nzec["status"]["id"] == 11
    assert nzec["exit_code"] == 3
    segv = await run(
        client, learner.headers, source_code="import os, signal\nos.kill(os.getpid(), 11)"
    )
    assert segv["status"]["id"] == 7
    memory = await client.post(
        "/judge0/submissions?wait=true&fields=status,message,verdict",
        json={"source_code": "x = bytearray(10**9)", "language_id": 92},
        headers=learner.headers,
    )
    body = memory.json()
    assert body["status"]["id"] == 12
    assert body["message"] == "Memory limit exceeded"
    assert body["verdict"] == "MEMORY_LIMIT_EXCEEDED"
    bad_fields = await client.get(
        f"/judge0/submissions/{nzec['token']}?fields=stdout,nope", headers=learner.headers
    )
    assert bad_fields.status_code == 422


async def test_limits_are_clamped_to_the_callers_maxima(
    client: httpx.AsyncClient, learner: Any, teacher: Any
) -> None:
    asked = {"source_code": "print(1)", "cpu_time_limit": 100, "memory_limit": 10**7}
    child = await run(client, learner.headers, **asked)
    assert child["cpu_time_limit"] == "5"  # a learner's runs keep the language's defaults
    assert child["memory_limit"] == 128 * 1024
    staff = await run(client, teacher.headers, **asked)
    assert staff["cpu_time_limit"] == "20"  # the server maxima
    assert staff["memory_limit"] == 512 * 1024
    lower = await run(client, learner.headers, source_code="print(1)", memory_limit=65536)
    assert lower["memory_limit"] == 64 * 1024


async def test_network_and_unsupported_options_are_refused(
    client: httpx.AsyncClient, learner: Any
) -> None:
    for extra in ({"enable_network": True}, {"compiler_options": "-O2"}):
        response = await client.post(
            "/judge0/submissions",
            json={"source_code": "print(1)", "language_id": 92, **extra},
            headers=learner.headers,
        )
        assert response.status_code == 422, response.text
    unknown = await client.post(
        "/judge0/submissions", json={"source_code": "x", "language_id": 4}, headers=learner.headers
    )
    assert unknown.json()["error"]["code"] == "UNKNOWN_LANGUAGE"


async def test_others_cannot_read_or_delete_a_submission(
    app: FastAPI, client: httpx.AsyncClient, learner: Any, admin: Any
) -> None:
    answer = await run(client, learner.headers, source_code="print('mine')")
    token = answer["token"]
    stranger = await create_account(app, "stranger")
    url = f"/judge0/submissions/{token}"
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (await client.delete(url, headers=stranger.headers)).status_code == 404
    listed = await client.get(f"/judge0/submissions/batch?tokens={token}", headers=stranger.headers)
    assert listed.json() == {"submissions": [None]}
    assert (await client.get(url, headers=admin.headers)).status_code == 200
    assert (await client.get(url)).status_code == 401


async def test_batch_create_read_and_delete(client: httpx.AsyncClient, learner: Any) -> None:
    body = {
        "submissions": [
            {"source_code": "print(1)", "language_id": 92},
            {"source_code": "console.log(2)", "language_id": 93},
            {"source_code": "x", "language_id": 12345},
        ]
    }
    created = await client.post("/judge0/submissions/batch", json=body, headers=learner.headers)
    assert created.status_code == 201, created.text
    answers = created.json()
    assert "token" in answers[0]
    assert "token" in answers[1]
    assert answers[2]["error"]["code"] == "UNKNOWN_LANGUAGE"
    tokens = f"{answers[0]['token']},{answers[1]['token']},00000000-0000-4000-8000-000000000000"
    import asyncio
    import time

    deadline = time.monotonic() + 60
    while True:
        got = await client.get(
            f"/judge0/submissions/batch?tokens={tokens}&fields=status_id,stdout",
            headers=learner.headers,
        )
        subs = got.json()["submissions"]
        if all(s["status_id"] > 2 for s in subs[:2]):
            break
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)
    assert [s["stdout"] for s in subs[:2]] == ["1\n", "2\n"]
    assert subs[2] is None
    gone = await client.delete(
        f"/judge0/submissions/{answers[0]['token']}", headers=learner.headers
    )
    assert gone.status_code == 200
    again = await client.get(f"/judge0/submissions/{answers[0]['token']}", headers=learner.headers)
    assert again.status_code == 404


async def test_callbacks_are_off_by_default(client: httpx.AsyncClient, learner: Any) -> None:
    response = await client.post(
        "/judge0/submissions",
        json={"source_code": "print(1)", "language_id": 92, "callback_url": "https://example.com/"},
        headers=learner.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "CALLBACKS_DISABLED"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4000/x",
        "http://localhost/x",
        "http://10.0.0.5/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://0.0.0.0/x",
        "ftp://8.8.8.8/x",
        "http://user@8.8.8.8/x",
    ],
)
def test_callbacks_never_go_to_private_or_loopback_addresses(url: str) -> None:
    assert service.public_address(url) is None


def test_a_public_literal_address_is_allowed() -> None:
    assert service.public_address("http://8.8.8.8/callback") == "8.8.8.8"


SLOW = "import time\ntime.sleep(4)\nprint('slept')"
CAPPED = {"max_user_pending_jobs": 2, "execution_concurrency": 1, "execution_rate_limit": 0}


@pytest.mark.parametrize("settings_overrides", [CAPPED])
async def test_the_per_user_cap_answers_429_as_on_our_own_endpoints(
    client: httpx.AsyncClient, learner: Any
) -> None:
    body = {"source_code": SLOW, "language_id": PYTHON}
    for _ in range(2):
        admitted = await client.post("/judge0/submissions", json=body, headers=learner.headers)
        assert admitted.status_code == 201, admitted.text
    refused = await client.post("/judge0/submissions", json=body, headers=learner.headers)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "TOO_MANY_JOBS"
    assert int(refused.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("settings_overrides", [CAPPED])
async def test_a_batch_over_the_cap_returns_the_tokens_it_admitted(
    client: httpx.AsyncClient, learner: Any
) -> None:
    """Submissions admitted before the cap is reached run: their tokens must come back (a 429
    for the whole batch would hide running work, and a retry would run it twice)."""
    body = {"submissions": [{"source_code": SLOW, "language_id": PYTHON}] * 3}
    created = await client.post("/judge0/submissions/batch", json=body, headers=learner.headers)
    assert created.status_code == 201, created.text
    answers = created.json()
    assert ["token" in a for a in answers] == [True, True, False]
    assert answers[2]["error"]["code"] == "TOO_MANY_JOBS"
    tokens = ",".join(a["token"] for a in answers[:2])
    listed = await client.get(
        f"/judge0/submissions/batch?tokens={tokens}&fields=token", headers=learner.headers
    )
    assert all(s is not None for s in listed.json()["submissions"])
    # with nothing admitted, back-pressure is the whole request's answer, as Retry-After says
    again = await client.post("/judge0/submissions/batch", json=body, headers=learner.headers)
    assert again.status_code == 429, again.text
    assert int(again.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "settings_overrides",
    [{"execution_rate_limit": 0, "submission_rate_limit": 0, "judge0_callbacks": True}],
)
async def test_with_callbacks_on_a_private_callback_url_is_still_refused(
    client: httpx.AsyncClient, learner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await client.get("/judge0/config_info")).json()["enable_callbacks"] is True
    # the address check resolves a host name: never on the event loop, where a slow DNS
    # answer would stall every other request
    resolved_on: list[str] = []
    check = service.public_address

    def recording(url: str) -> str | None:
        resolved_on.append(threading.current_thread().name)
        return check(url)

    monkeypatch.setattr(service, "public_address", recording)
    for url in ("http://localhost:4000/done", "http://10.0.0.5/done", "http://[::1]/done"):
        response = await client.post(
            "/judge0/submissions",
            json={"source_code": "print(1)", "language_id": PYTHON, "callback_url": url},
            headers=learner.headers,
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "CALLBACK_NOT_ALLOWED"
    batch = await client.post(
        "/judge0/submissions/batch",
        json={"submissions": [{"source_code": "print(1)", "language_id": PYTHON,
                               "callback_url": "http://127.0.0.1/x"}]},
        headers=learner.headers,
    )  # fmt: skip
    assert batch.json()[0]["error"]["code"] == "CALLBACK_NOT_ALLOWED"
    assert len(resolved_on) == 4
    assert threading.main_thread().name not in resolved_on


async def test_a_callback_body_is_base64_whatever_the_request_asked(
    app: FastAPI, client: httpx.AsyncClient, learner: Any
) -> None:
    """Judge0 PUTs a callback base64-encoded always (its clients decode it so): a submission
    made with base64_encoded=false gets the same body."""
    answer = await run(client, learner.headers, source_code="print('héllo')", stdin="x")
    async with app.state.sessionmaker() as session:
        found = (await repository.submissions(session, [answer["token"]]))[answer["token"]]
    body = callbacks.callback_body(*found)
    assert set(body) == set(service.DEFAULT_FIELDS)
    assert base64.b64decode(body["stdout"]).decode() == "héllo\n"
    assert body["status"] == {"id": 3, "description": "Accepted"}
