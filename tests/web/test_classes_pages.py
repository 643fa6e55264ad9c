"""Class pages over HTTP (no JavaScript): the cards page, joining, the child's leaderboard."""

from __future__ import annotations

import re

import httpx

from .conftest import Server, csrf_from, make_teacher, sign_up, unique_name

PASSWORD = "a long enough password"


def log_in(server: Server, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=server.web_url, timeout=60)
    page = client.get("/login")
    done = client.post(
        "/login",
        data={"csrf_token": csrf_from(page.text), "username": username, "password": password},
    )
    assert done.status_code == 303, done.text
    return client


def sets_when_a_child_needs_help(
    teacher: httpx.Client, class_url: str, page: httpx.Response
) -> httpx.Response:
    """ "Needs help" after N tries or M minutes: from 3 tries, the teacher sets 5 and 20 minutes
    for this class; a form that is not whole numbers is refused and changes nothing. `page` is
    the class page; returns it as it is after."""
    assert "Tried the same puzzle 3 times" in page.text
    changed = teacher.post(
        class_url + "/settings",
        data={"csrf_token": csrf_from(page.text), "helpFailures": "5", "helpIdleMinutes": "20"},
    )
    assert changed.headers["location"].endswith("?notice=settings")
    page = teacher.get(class_url)
    assert "Tried the same puzzle 5 times" in page.text
    assert "working 20 minutes without a solve" in page.text
    too_many = teacher.post(
        class_url + "/settings",
        data={"csrf_token": csrf_from(page.text), "helpFailures": "0", "helpIdleMinutes": "x"},
    )
    assert too_many.status_code == 422
    assert "whole number" in too_many.text
    assert "Tried the same puzzle 5 times" in teacher.get(class_url).text
    return page


def test_cards_joining_and_a_childs_leaderboard(
    server: Server, admin_api: httpx.Client, web: httpx.Client
) -> None:
    teacher = log_in(server, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    home = teacher.get("/home")
    assert (home.status_code, home.headers["location"]) == (303, "/teach/classes")
    page = teacher.get("/teach/classes")
    made = teacher.post(
        "/teach/classes",
        data={"csrf_token": csrf_from(page.text), "name": "Owls <b>", "ageGroup": "7-9"},
    )
    assert made.status_code == 303
    class_url = made.headers["location"]
    page = teacher.get(class_url)
    assert page.status_code == 200
    assert "Owls &lt;b&gt;" in page.text  # escaped
    # re-locking only takes back a teacher's opening, and the page says so in plain words
    assert "Undo my opening" in page.text
    assert "only takes back a level that you (or another teacher) opened" in page.text
    code = re.search(r'id="join-code">([A-Z0-9-]+)<', page.text)
    assert code
    page = sets_when_a_child_needs_help(teacher, class_url, page)
    cards = teacher.post(
        class_url + "/learners",
        data={"csrf_token": csrf_from(page.text), "names": "Zoë\nSam, Kim"},
    )
    assert cards.status_code == 200
    assert cards.text.count('class="login-card"') == 3
    assert "Zoë" not in cards.text  # first names make usernames and are not kept
    assert "@media print" in teacher.get("/static/css/site.css").text
    plain = teacher.get(class_url + "/cards")
    assert plain.text.count('class="login-card"') == 3
    assert 'class="card-password"' not in plain.text  # passwords are shown only once

    sign_up(web, unique_name("kid"), PASSWORD, age_group="7-9")
    home = web.get("/home")
    wrong = web.post("/classes/join", data={"csrf_token": csrf_from(home.text), "joinCode": "zz"})
    assert wrong.headers["location"] == "/home?join=unknown"
    assert "doesn't match a class" in web.get("/home?join=unknown").text
    before = web.get("/leaderboard")
    assert "Leaderboards are for your class" in before.text
    assert "Everyone aged 13-16" not in before.text  # no server-wide board for children
    joined = web.post(
        "/classes/join",
        data={"csrf_token": csrf_from(home.text), "joinCode": code.group(1).lower()},
    )
    assert joined.headers["location"] == "/home?join=ok"
    assert "Owls &lt;b&gt;" in web.get("/home?join=ok").text
    board = web.get("/leaderboard")
    assert "Owls &lt;b&gt;" in board.text
    assert "You are not on the leaderboard" in board.text

    # an admin's class list is every class on the server, not only the ones they made
    admin_name = make_teacher(server, admin_api, PASSWORD)
    with httpx.Client(base_url=server.api_url, timeout=30) as api_client:
        me = api_client.post("/auth/login", json={"username": admin_name, "password": PASSWORD})
    promoted = admin_api.patch(
        f"/auth/users/{me.json()['user']['id']}/role", json={"role": "admin"}
    )
    assert promoted.status_code == 200, promoted.text
    site_admin = log_in(server, admin_name, PASSWORD)
    listed = site_admin.get("/teach/classes")
    assert listed.status_code == 200
    assert "Owls &lt;b&gt;" in listed.text
    assert class_url in listed.text
    site_admin.close()

    other_name = make_teacher(server, admin_api, PASSWORD)
    other = log_in(server, other_name, PASSWORD)
    assert other.get(class_url).status_code == 404
    assert other.get(class_url + "/cards").status_code == 404
    refused = other.post(
        class_url + "/settings",
        data={
            "csrf_token": csrf_from(other.get("/teach/classes").text),
            "helpFailures": "1",
            "helpIdleMinutes": "1",
        },
    )
    assert refused.status_code == 404
    page = teacher.get(class_url)
    added = teacher.post(
        class_url + "/teachers", data={"csrf_token": csrf_from(page.text), "username": other_name}
    )
    assert added.headers["location"].endswith("?notice=teacher")
    assert other.get(class_url).status_code == 200  # a co-teacher now
    for client in (teacher, other):
        client.close()


def test_a_teacher_writes_a_puzzle_in_the_challenge_form(
    server: Server, admin_api: httpx.Client, web: httpx.Client
) -> None:
    teacher = log_in(server, make_teacher(server, admin_api, PASSWORD), PASSWORD)
    page = teacher.get("/teach/classes")
    made = teacher.post(
        "/teach/classes",
        data={"csrf_token": csrf_from(page.text), "name": "Robins", "ageGroup": "10-12"},
    )
    class_url = made.headers["location"]
    page = teacher.get(class_url)
    assert 'id="new-puzzle"' in page.text  # writing a puzzle is part of the challenge form
    code = re.search(r'id="join-code">([A-Z0-9-]+)<', page.text)
    assert code
    page = sets_when_a_child_needs_help(teacher, class_url, page)
    form = {
        "csrf_token": csrf_from(page.text),
        "tzOffset": "0",
        "title": "Doubles",
        "opensAt": "2020-01-01T00:00",
        "closesAt": "2099-01-01T00:00",
        "new-title": "Double <it>",
        "new-statement": "Read a number and print it **doubled**.",
        "new-starterCode": "n = int(input())\n",
        "new-referenceSolution": "print(int(input()) * 3)\n",  # a teacher's slip
        "new-test-0-input": "3",
        "new-test-0-output": "6",
        "new-test-1-input": "50",
        "new-test-1-output": "100",
        "new-test-1-hidden": "on",
    }
    slipped = teacher.post(class_url + "/challenges", data=form)
    assert slipped.status_code == 422
    assert "Your solution failed 2 of 2 tests in the sandbox, so nothing was saved" in slipped.text
    assert "Double &lt;it&gt;" in slipped.text  # what the teacher wrote is kept (escaped)
    assert "print(int(input()) * 3)" in slipped.text
    form["new-referenceSolution"] = "print(int(input()) * 2)\n"
    form["csrf_token"] = csrf_from(slipped.text)
    saved = teacher.post(class_url + "/challenges", data=form)
    assert saved.status_code == 303, saved.text
    assert "Doubles" in teacher.get(class_url).text

    # a child of the class finds it under "From your teacher" and opens it
    sign_up(web, unique_name("kid"), PASSWORD, age_group="10-12")
    home = web.get("/home")
    web.post("/classes/join", data={"csrf_token": csrf_from(home.text), "joinCode": code.group(1)})
    home = web.get("/home")
    link = re.search(r'href="(/classes/[^"]+/puzzles/[^"]+)">Double &lt;it&gt;</a>', home.text)
    assert link, home.text
    puzzle = web.get(link.group(1))
    assert puzzle.status_code == 200
    assert "<strong>doubled</strong>" in puzzle.text
    assert "From your teacher: Doubles" in puzzle.text
    assert "int(input()) * 2" not in puzzle.text  # the solution stays the teacher's
    # a child of another class cannot open it
    other = httpx.Client(base_url=server.web_url, timeout=60)
    sign_up(other, unique_name("kid"), PASSWORD, age_group="10-12")
    assert other.get(link.group(1)).status_code == 404
    for client in (teacher, other):
        client.close()
