"""The web app over plain HTTP against the real `coderunner serve`: pages, cookies, CSRF, proxy."""

from __future__ import annotations

import html
import json
import math
import re
import secrets
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from coderunner.content import load_curriculum
from coderunner.learning.unlocking import UNLOCK_FRACTION
from tests.support.ports import free_port
from tests.support.serve import CODERUNNER, answers_200, spawn, stop, wait_until_answers
from tests.support.waiting import wait_until_sync

from .conftest import Server, csrf_from, make_teacher, sign_up, unique_name

PASSWORD = "correct horse battery"


def test_landing_is_served_with_a_strict_csp(web: httpx.Client) -> None:
    response = web.get("/")
    assert response.status_code == 200
    assert "Learn Python" in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    # no inline script: every <script> has a src, or is inert JSON data
    for tag in re.findall(r"<script\b[^>]*>", response.text):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", response.text), "inline event handler in the page"


def test_sign_up_sets_an_httponly_session_cookie_and_never_shows_the_token(
    web: httpx.Client,
) -> None:
    response = sign_up(web, unique_name(), PASSWORD)
    set_cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "cr_session=" in v
    )
    assert "HttpOnly" in set_cookie
    assert "samesite=lax" in set_cookie.lower()
    assert "Path=/" in set_cookie
    token = web.cookies.get("cr_session")
    assert token
    home = web.get("/home")
    assert home.status_code == 200
    assert token not in home.text


def test_log_out_and_in_again(web: httpx.Client) -> None:
    username = unique_name()
    sign_up(web, username, PASSWORD)
    home = web.get("/home")
    out = web.post("/logout", data={"csrf_token": csrf_from(home.text)})
    assert out.status_code == 303
    assert web.get("/home").status_code == 303
    page = web.get("/login?next=/profile")
    response = web.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.text),
            "username": username,
            "password": PASSWORD,
            "next": "/profile",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/profile"
    assert username in web.get("/profile").text


def test_wrong_password_is_a_kind_form_error_not_a_crash(web: httpx.Client) -> None:
    page = web.get("/login")
    response = web.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.text),
            "username": "nobody_here",
            "password": "not the password",
        },
    )
    assert response.status_code == 401
    assert "don&#39;t match" in response.text or "don't match" in response.text


def test_sign_up_explains_bad_input(web: httpx.Client) -> None:
    page = web.get("/signup")
    response = web.post(
        "/signup",
        data={
            "csrf_token": csrf_from(page.text),
            "username": "x",
            "password": "short",
            "password2": "different",
        },
    )
    assert response.status_code == 422
    assert "3 to 32 letters" in response.text
    assert "at least 8 characters" in response.text
    assert "two passwords are different" in response.text


def test_taken_username_is_explained(web: httpx.Client) -> None:
    username = unique_name()
    sign_up(web, username, PASSWORD)
    web.cookies.clear()
    page = web.get("/signup")
    response = web.post(
        "/signup",
        data={
            "csrf_token": csrf_from(page.text),
            "username": username,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 409
    assert "taken" in response.text


def _try_sign_up(web: httpx.Client, username: str, **more: str) -> httpx.Response:
    """The sign-up form sent with a good password and `more` fields; the answer as it comes."""
    page = web.get("/signup")
    fields = {"username": username, "password": PASSWORD, "password2": PASSWORD, **more}
    return web.post("/signup", data={"csrf_token": csrf_from(page.text), **fields})


def test_a_username_posing_as_staff_is_explained(web: httpx.Client) -> None:
    response = _try_sign_up(web, "Teacher_Sam")
    assert response.status_code == 422
    assert "Pick another username" in response.text
    assert "like teacher, admin or Code Runner" in response.text


@pytest.mark.parametrize(
    ("shown", "told"),
    [
        ("Admin Sam", "Pick a name that isn't a job at school or the name of this site."),
        ("Z", "Your name needs 2 to 24 letters."),
    ],
)
def test_a_refused_display_name_says_why(web: httpx.Client, shown: str, told: str) -> None:
    """The sign-up page says what the API said about the name to show, in its words for a
    child (it used to say "1 to 64 characters" whatever was wrong)."""
    response = _try_sign_up(web, f"kid_{secrets.token_hex(3)}", displayName=shown)
    assert response.status_code == 422
    assert told in html.unescape(response.text)
    assert "1 to 64" not in response.text


def test_a_refused_name_on_the_profile_says_why(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    page = web.get("/profile")
    response = web.post(
        "/profile", data={"csrf_token": csrf_from(page.text), "displayName": "Teacher Bob"}
    )
    assert response.status_code == 422
    told = html.unescape(response.text)
    assert "Pick a name that isn't a job at school or the name of this site." in told
    assert "Value error" not in told
    assert "displayName:" not in told


def test_forms_without_the_csrf_token_are_refused(web: httpx.Client) -> None:
    web.get("/")  # has the CSRF cookie now
    response = web.post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 403
    response = web.post("/login", data={"username": "a", "password": "b", "csrf_token": "x" * 43})
    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(web: httpx.Client) -> None:
    response = web.get("/home")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/home"
    response = web.get("/levels/7-9/1")
    assert response.status_code == 303


def test_a_bad_cookie_counts_as_signed_out(server: Server) -> None:
    with httpx.Client(base_url=server.web_url, cookies={"cr_session": "forged.token.value"}) as c:
        response = c.get("/home")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_api_404_is_a_kind_404_page(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    response = web.get("/levels/7-9/999")
    assert response.status_code == 404
    assert "couldn" in response.text
    assert web.get("/levels/not-an-age/1").status_code == 404
    assert web.get("/no/such/page").status_code == 404


def test_learners_cannot_open_teacher_pages(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    response = web.get("/teach/problems")
    assert response.status_code == 403
    assert "for teachers" in response.text


def test_a_locked_level_is_refused_by_the_server(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD, age_group="7-9")
    response = web.get("/levels/7-9/2")
    assert response.status_code == 403
    assert "still locked" in response.text
    level_map = web.get("/levels/7-9")
    assert level_map.status_code == 200
    assert 'Level 2<span class="visually-hidden"> (locked)' in level_map.text


def _proxy_headers(web: httpx.Client) -> dict[str, str]:
    page = web.get("/home")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match
    return {"X-CSRF-Token": match.group(1)}


def test_proxy_needs_the_csrf_header_for_unsafe_methods(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    body = {"code": "print(1)", "language": "python", "stdin": ""}
    refused = web.post("/api/execution/run", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "CSRF_FAILED"
    accepted = web.post("/api/execution/run", json=body, headers=_proxy_headers(web))
    assert accepted.status_code in (200, 202), accepted.text
    assert "jobId" in accepted.json()


def test_proxy_never_hands_out_tokens(web: httpx.Client) -> None:
    username = unique_name()
    sign_up(web, username, PASSWORD)
    headers = _proxy_headers(web)
    response = web.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 404
    assert "token" not in response.text


def test_proxy_adds_the_learners_token(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    response = web.get("/api/progress")
    assert response.status_code == 200
    assert "problems" in response.json()
    web.cookies.delete("cr_session")
    assert web.get("/api/progress").status_code == 401


def test_proxy_streams_job_events(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    job = web.post(
        "/api/execution/run",
        json={"code": "print('hi')", "language": "python", "stdin": ""},
        headers=_proxy_headers(web),
    ).json()
    events: list[str] = []
    with web.stream("GET", f"/api/execution/{job['jobId']}/events", timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event:"):
                events.append(line.split(":", 1)[1].strip())
                if events[-1] == "done":
                    break
    assert "done" in events
    finished = web.get(f"/api/execution/{job['jobId']}").json()
    assert finished["status"] == "completed"
    assert finished["result"]["stdout"] == "hi\n"


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/levels/7-9"])
def test_public_pages_render(web: httpx.Client, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 200, response.text[:500]
    assert "<main" in response.text


def test_page_data_is_inert_json(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    page = web.get("/levels/7-9/1")
    assert page.status_code == 200, page.text[:500]
    match = re.search(
        r'<script type="application/json" id="page-data">(.*?)</script>', page.text, re.S
    )
    assert match
    data = json.loads(match.group(1))
    assert data["problemId"]
    assert "token" not in data


def test_profile_changes_character_name_and_opt_out(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    page = web.get("/profile")
    assert page.status_code == 200
    response = web.post(
        "/profile",
        data={
            "csrf_token": csrf_from(page.text),
            "displayName": "Star O'Kid",
            "character": "cosmic",
            "ageGroup": "10-12",
            "showOnLeaderboard": "on",
        },
    )
    assert response.status_code == 303
    page = web.get("/profile?saved=1")
    assert 'class="theme-cosmic' in page.text
    assert "Star O&#39;Kid" in page.text  # escaped, never markup
    me = web.get("/api/auth/me").json()
    assert me["character"] == "cosmic"
    assert me["leaderboardOptOut"] is False  # opted in
    assert me["ageGroup"] == "10-12"


def test_big_code_text_is_a_remembered_preference(web: httpx.Client) -> None:
    page = web.get("/")
    assert "font-large" not in page.text.split(">", 2)[1]
    response = web.post(
        "/prefs/font", data={"csrf_token": csrf_from(page.text), "size": "large", "next": "/"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert 'class="theme-astro font-large"' in web.get("/").text


def test_home_offers_the_problem_last_tried(web: httpx.Client) -> None:
    sign_up(web, unique_name(), PASSWORD)
    level = web.get("/levels/7-9/1")
    match = re.search(
        r'<script type="application/json" id="page-data">(.*?)</script>', level.text, re.S
    )
    assert match
    problem_id = json.loads(match.group(1))["problemId"]
    job = web.post(
        "/api/execution/submit?wait=true",
        json={"problemId": problem_id, "code": "print('not it')", "language": "python"},
        headers=_proxy_headers(web),
        timeout=60,
    )
    assert job.status_code in (200, 202), job.text
    home = web.get("/home")
    assert f'href="/levels/7-9/1?problem={problem_id}"' in home.text


def _rest(server: Server, username: str, days: dict[str, int]) -> None:
    """Move the learner's progress on each problem `days` back, as if solved that long ago."""
    with closing(sqlite3.connect(server.data_dir / "coderunner.db", timeout=30)) as db, db:
        for problem_id, back in days.items():
            db.execute(
                "UPDATE progress SET updated_at = datetime(updated_at, ?) WHERE problem_id = ? "
                "AND user_id = (SELECT id FROM users WHERE username = ?)",
                (f"-{back} days", problem_id, username),
            )


def test_home_suggests_a_warm_up_from_an_earlier_level(server: Server, web: httpx.Client) -> None:
    username = unique_name("warm")
    sign_up(web, username, PASSWORD)
    level_one = load_curriculum().problems_of("7-9", 1)
    headers = _proxy_headers(web)
    # the share of the level *on this server* opens level 2: other tests of the session's
    # server add teachers' puzzles to 7-9's level 1
    levels = web.get("/api/levels/7-9", headers=headers).json()
    on_server = next(level["problemCount"] for level in levels if level["number"] == 1)
    needed = math.ceil(on_server * UNLOCK_FRACTION)
    assert needed <= len(level_one), (on_server, len(level_one))
    solved = level_one[:needed]  # opens level 2
    for problem in solved:
        job = web.post(
            "/api/execution/submit",
            json={"problemId": problem.id, "code": problem.solution, "language": "python"},
            headers=headers,
        )
        assert job.status_code in (200, 202), job.text

    def level_two_open() -> bool:
        home = web.get("/home").text
        return re.search(r'state-open">\s*<span class="level-name">Level 2\b', home) is not None

    wait_until_sync(level_two_open, "level 2 to open", within_s=180, every_s=0.5)
    assert 'class="card warm-up"' not in web.get("/home").text  # solved just now: no review

    _rest(server, username, {p.id: 3 + i for i, p in enumerate(solved)})
    home = web.get("/home").text
    assert 'class="card warm-up"' in home
    oldest = solved[-1]
    assert f"You solved <strong>{oldest.title}</strong> (level 1) {2 + len(solved)} days ago" in (
        home
    )
    assert f'href="/levels/7-9/1?problem={oldest.id}">Warm up</a>' in home


def test_coderunner_web_runs_alone_against_the_api(server: Server, tmp_path: Path) -> None:
    """Scaled-out mode: `coderunner web` in its own process, talking to the API over HTTP."""
    port = free_port()
    argv = [CODERUNNER, "web", "--port", str(port), "--api-url", server.api_url]
    watched = spawn(argv, server.env, tmp_path / "web.log")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answers(url + "/", [watched], ready=answers_200)
        with httpx.Client(base_url=url) as client:
            sign_up(client, unique_name(), PASSWORD)
            level_map = client.get("/levels/7-9")
            assert level_map.status_code == 200
            assert "Level 1" in level_map.text
    finally:
        stop(watched[0])


def test_teacher_edit_form_round_trips_a_curriculum_problem(
    server: Server, admin_api: httpx.Client
) -> None:
    """The edit form holds a real problem exactly: checking it runs its own solution green."""
    teacher = make_teacher(server, admin_api, PASSWORD)
    with httpx.Client(base_url=server.web_url, timeout=120) as client:
        page = client.get("/login")
        client.post(
            "/login",
            data={"csrf_token": csrf_from(page.text), "username": teacher, "password": PASSWORD},
        )
        problems = admin_api.get("/problems", params={"ageGroup": "7-9", "level": 2}).json()
        problem_id = problems["items"][0]["id"]
        before = admin_api.get(f"/problems/{problem_id}/full").json()
        edit = client.get(f"/teach/problems/{problem_id}/edit")
        assert edit.status_code == 200
        form = _form_fields(edit.text)
        form["action"] = "check"
        checked = client.post(f"/teach/problems/{problem_id}/edit", data=form)
        assert checked.status_code == 200, checked.text[-2000:]
        assert "passed all" in checked.text
        # nothing was saved by a check: the problem is unchanged
        after = admin_api.get(f"/problems/{problem_id}/full").json()
        assert after["updatedAt"] == before["updatedAt"]


def test_checking_an_edit_grades_with_the_problems_stored_limits(
    server: Server, admin_api: httpx.Client
) -> None:
    """The form has no limits: saving keeps the stored ones, and the check grades with them."""
    problem_id = unique_name("slow-echo").replace("_", "-").lower()
    created = admin_api.post(
        "/problems",
        json={
            "id": problem_id,
            "title": "Echo slowly",
            "ageGroup": "7-9",
            "levelNumber": 1,
            "statement": "Print the line.",
            "limits": {"timeLimitS": 0.5},
            # 1.5 s of CPU: within the default limit, over this problem's
            "referenceSolution": "import time\nwhile time.process_time() < 1.5:\n    pass\n"
            "print(input())\n",
            "tests": [{"name": "one", "input": "hi", "expectedOutput": "hi"}],
            "isPublished": False,
        },
    )
    assert created.status_code == 201, created.text
    teacher = make_teacher(server, admin_api, PASSWORD)
    with httpx.Client(base_url=server.web_url, timeout=120) as client:
        page = client.get("/login")
        client.post(
            "/login",
            data={"csrf_token": csrf_from(page.text), "username": teacher, "password": PASSWORD},
        )
        edit = client.get(f"/teach/problems/{problem_id}/edit")
        form = _form_fields(edit.text)
        form["action"] = "check"
        checked = client.post(f"/teach/problems/{problem_id}/edit", data=form)
    assert checked.status_code == 422, checked.text[-2000:]
    assert "<strong>Test 1 (one)</strong>: your solution ran out of time." in checked.text


def _form_fields(html: str) -> dict[str, str]:
    """The values a browser would post from the page's problem form."""
    from html import unescape

    form = html[html.index('id="problem-form"') :]
    form = form[: form.index("</form>")]
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        fields[name] = unescape(value)
    for tag in re.findall(r"<input[^>]*type=\"checkbox\"[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if name and " checked" in tag:
            fields[name.group(1)] = "on"
    for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        fields[name] = unescape(value)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option(?: value="([^"]*)")? selected>([^<]*)<', body)
        if chosen:
            fields[name] = unescape(
                chosen.group(1) if chosen.group(1) is not None else chosen.group(2)
            )
    return fields


def test_an_admin_unlocks_a_level_for_one_learner(
    server: Server, admin_api: httpx.Client, web: httpx.Client
) -> None:
    learner = unique_name("pupil")
    sign_up(web, learner, PASSWORD, age_group="7-9")
    assert web.get("/levels/7-9/2").status_code == 403
    teacher = make_teacher(server, admin_api, PASSWORD)
    admin = make_teacher(server, admin_api, PASSWORD)
    with httpx.Client(base_url=server.api_url, timeout=30) as api_client:
        login = api_client.post("/auth/login", json={"username": admin, "password": PASSWORD})
        admin_id = login.json()["user"]["id"]
    assert admin_api.patch(f"/auth/users/{admin_id}/role", json={"role": "admin"}).is_success
    with httpx.Client(base_url=server.web_url, timeout=60) as client:
        page = client.get("/login")
        client.post(
            "/login",
            data={"csrf_token": csrf_from(page.text), "username": teacher, "password": PASSWORD},
        )
        # the server-wide list is for admins; a teacher sees their own classes' learners
        assert client.get("/teach/learners").status_code == 403
    with httpx.Client(base_url=server.web_url, timeout=60) as client:
        page = client.get("/login")
        client.post(
            "/login",
            data={"csrf_token": csrf_from(page.text), "username": admin, "password": PASSWORD},
        )
        learners = client.get("/teach/learners?ageGroup=7-9")
        assert learners.status_code == 200
        assert learner in learners.text
        row = learners.text[learners.text.index(learner) :]
        user_id = re.search(r'name="userId" value="([^"]+)"', row)
        assert user_id
        done = client.post(
            "/teach/learners/unlock",
            data={
                "csrf_token": csrf_from(learners.text),
                "userId": user_id.group(1),
                "ageGroup": "7-9",
                "levelNumber": "2",
                "name": learner,
            },
        )
        assert done.status_code == 303
        assert "Unlocked" in client.get(done.headers["location"]).text
    assert web.get("/levels/7-9/2").status_code == 200


@pytest.mark.parametrize(
    ("age_group", "problem_id", "language", "label", "starter"),
    [
        ("13-16", "java-reverse-words", "java", "Java code editor", "public class Main"),
        ("7-9", "js-double-it", "javascript", "JavaScript code editor", "readFileSync"),
    ],
)
def test_a_problem_page_opens_in_its_language(
    server: Server,
    web: httpx.Client,
    admin_api: httpx.Client,
    age_group: str,
    problem_id: str,
    language: str,
    label: str,
    starter: str,
) -> None:
    teacher = make_teacher(server, admin_api, PASSWORD)  # every level is open to a teacher
    page = web.get("/login")
    web.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": teacher, "password": PASSWORD},
    )
    level = web.get(f"/levels/{age_group}/5?problem={problem_id}")
    assert level.status_code == 200, level.text[:500]
    match = re.search(
        r'<script type="application/json" id="page-data">(.*?)</script>', level.text, re.S
    )
    assert match
    data = json.loads(match.group(1))
    assert data["problemId"] == problem_id
    assert data["language"] == language
    assert starter in data["starterCode"]
    assert f'data-label="{label}"' in level.text
