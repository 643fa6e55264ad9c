"""Fixtures for the web tests: the real `coderunner serve` (API + web + workers) in a subprocess.

No stubs: the session starts the product as a learner's machine would, on free ports, with a
fresh data dir, and the tests drive it over HTTP (httpx) and in Debian's Chromium (Playwright).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.support.env import worker
from tests.support.ports import free_port
from tests.support.serve import CODERUNNER, spawn, stop, wait_until_answers
from tests.support.uids import Purpose, sandbox_env

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# `make screenshots` points this at docs/screenshots (the pictures docs/web.md shows)
SCREENSHOTS = Path(
    os.environ.get("CODERUNNER_SCREENSHOTS_DIR") or REPO / "test-results" / "screenshots"
)


@dataclass(frozen=True)
class Server:
    web_url: str
    api_url: str
    data_dir: Path
    env: dict[str, str]

    def coderunner(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run another `coderunner` command against the same data dir."""
        return subprocess.run(
            [CODERUNNER, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("coderunner-data")
    api_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "CODERUNNER_DATA_DIR": str(data_dir),
        "CODERUNNER_API_URL": f"http://127.0.0.1:{api_port}",
        # the suite makes many requests from one address; it tests pages, not the throttle
        "RATE_LIMIT_MAX_REQUESTS": "100000",
        "CODERUNNER_AUTH_FAILURE_LIMIT": "1000",
        "LOG_LEVEL": "warning",
        **sandbox_env(Purpose.WEB_SERVER),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    # kept where CI keeps test output, so the server's side of a failure can be read afterwards
    log = REPO / "test-results" / f"web-serve-{worker()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    argv = [CODERUNNER, "serve", "--api-port", str(api_port), "--web-port", str(web_port)]
    watched = spawn([*argv, "--data-dir", str(data_dir)], env, log)
    api_url = f"http://127.0.0.1:{api_port}"
    web_url = f"http://127.0.0.1:{web_port}"
    try:
        wait_until_answers(f"{api_url}/health", [watched])
        wait_until_answers(f"{web_url}/", [watched])
        yield Server(web_url=web_url, api_url=api_url, data_dir=data_dir, env=env)
    finally:
        stop(watched[0])


_counter = iter(range(1, 1_000_000))


def unique_name(prefix: str = "kid") -> str:
    return f"{prefix}{os.getpid() % 10000}_{next(_counter)}_{int(time.time() * 1000) % 100000}"


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


@pytest.fixture
def web(server: Server) -> Iterator[httpx.Client]:
    """A cookie-keeping HTTP client of the web app (a browser without JavaScript)."""
    with httpx.Client(base_url=server.web_url, follow_redirects=False, timeout=30) as client:
        yield client


def sign_up(
    client: httpx.Client, username: str, password: str, age_group: str = "7-9"
) -> httpx.Response:
    token = csrf_from(client.get("/signup").text)
    response = client.post(
        "/signup",
        data={
            "csrf_token": token,
            "username": username,
            "password": password,
            "password2": password,
            "ageGroup": age_group,
            "character": "leo",
        },
    )
    assert response.status_code == 303, response.text
    return response


ADMIN_PASSWORD = "admin-password-for-tests"


@pytest.fixture(scope="session")
def admin_api(server: Server) -> Iterator[httpx.Client]:
    """The API itself, signed in as an admin made with `coderunner create-admin`."""
    username = unique_name("admin")
    done = subprocess.run(
        [CODERUNNER, "create-admin", "--username", username, "--data-dir", str(server.data_dir)],
        env={**server.env, "CODERUNNER_ADMIN_PASSWORD": ADMIN_PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with httpx.Client(base_url=server.api_url, timeout=60) as client:
        login = client.post("/auth/login", json={"username": username, "password": ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        client.headers["authorization"] = f"Bearer {login.json()['token']}"
        yield client


def make_teacher(server: Server, admin_api: httpx.Client, password: str) -> str:
    """Register a user through the API and have the admin make them a teacher."""
    username = unique_name("tutor")  # "teacher" is a reserved word in usernames
    with httpx.Client(base_url=server.api_url, timeout=30) as client:
        created = client.post("/auth/register", json={"username": username, "password": password})
        assert created.status_code == 201, created.text
        user_id = created.json()["user"]["id"]
    promoted = admin_api.patch(f"/auth/users/{user_id}/role", json={"role": "teacher"})
    assert promoted.status_code == 200, promoted.text
    return username


# Module scope, not session: sync Playwright runs an event loop in this thread while it is open,
# and an async test that the same xdist worker runs later could not start its own.
@pytest.fixture(scope="module")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
