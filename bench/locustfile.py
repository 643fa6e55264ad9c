"""A class at work, for Locust: each simulated child signs up through the web pages, opens the
level map and a problem, runs code, submits it and watches the result, with thinking time
between clicks. Everything goes through the web origin, as a browser would (session cookie,
CSRF header on the /api proxy). Run it with `make loadtest` (bench/loadtest.py), which starts a
server on free ports; never point it at a machine that is not yours.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from locust import HttpUser, between, task
from locust.exception import StopUser

PASSWORD = "load-test-password-1"
AGE_GROUP = "10-12"
RUN_CODE = "name = 'Kai'\nfor i in range(3):\n    print('hello', name, i)\n"
FINISHED = {"completed", "failed"}
WATCH_LIMIT_S = 60
SIGNUP_TRIES = 5
_ERROR_CODE = re.compile(r'Code: ([A-Z_0-9]+)<|"code":\s*"([A-Z_0-9]+)"')


def _short(response: Any) -> str:
    """The status and our error code, not a whole page (a page differs by its CSRF token)."""
    found = _ERROR_CODE.search(response.text or "")
    code = (found.group(1) or found.group(2)) if found else ""
    return f"{response.status_code} {code}".strip()


class Child(HttpUser):
    wait_time = between(2, 6)  # reading, typing, thinking

    def on_start(self) -> None:
        self.username = f"kid{secrets.token_hex(5)}"
        for _ in range(SIGNUP_TRIES):
            wait = self._sign_up()
            if wait is None:
                break
            time.sleep(wait)  # asked to wait (503 + Retry-After): a child tries again later
        else:
            error = RuntimeError(f"asked to wait {SIGNUP_TRIES} times")
            self._record("signup: never got in", time.monotonic(), error)
            raise StopUser  # sends no requests without a session
        self.csrf = {"X-CSRF-Token": self.client.cookies.get("cr_csrf", "")}
        problems = self.client.get(
            f"/api/problems?ageGroup={AGE_GROUP}&level=1", name="/api/problems"
        )
        items = problems.json().get("items", []) if problems.ok else []
        self.problem_id: str | None = items[0]["id"] if items else None

    def _sign_up(self) -> float | None:
        """Sign up: None once signed in, the seconds to wait when asked to; StopUser on failure."""
        self.client.get("/signup", name="/signup")
        form = {
            "username": self.username,
            "password": PASSWORD,
            "password2": PASSWORD,
            "ageGroup": AGE_GROUP,
            "csrf_token": self.client.cookies.get("cr_csrf", ""),
        }
        with self.client.post(
            "/signup", data=form, name="/signup (log in)", allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code == 303:
                return None
            retry_after = response.headers.get("retry-after", "")
            if response.status_code == 503 and retry_after.isdigit():
                response.success()  # the platform asked to wait: not an error
                asked_to_wait = float(retry_after)
            else:
                response.failure(_short(response))
                asked_to_wait = None
        if asked_to_wait is None:
            raise StopUser
        self._record("signup: asked to wait", time.monotonic(), None)
        return asked_to_wait

    @task(3)
    def open_level_map(self) -> None:
        self.client.get("/home", name="/home")
        self.client.get(f"/levels/{AGE_GROUP}", name="/levels/[age]")

    @task(3)
    def open_problem(self) -> None:
        self.client.get(f"/levels/{AGE_GROUP}/1", name="/levels/[age]/[n]")

    @task(2)
    def run_code(self) -> None:
        self._start("/api/execution/run", {"code": RUN_CODE, "stdin": ""}, "run")

    @task(1)
    def submit(self) -> None:
        if self.problem_id is None:
            return
        # a fresh attempt each time (an identical resubmission would reuse the first result)
        code = f"# try {secrets.token_hex(3)}\nprint(input()[::-1])\n"
        self._start("/api/execution/submit", {"problemId": self.problem_id, "code": code}, "submit")

    def _start(self, path: str, body: dict[str, Any], kind: str) -> None:
        with self.client.post(
            path, json=body, headers=self.csrf, name=path, catch_response=True
        ) as response:
            if response.status_code in (429, 503):
                # the platform asked to wait: a child's page retries later, not an error
                response.success()
                return
            if response.status_code not in (200, 202):
                response.failure(_short(response))
                return
            job = response.json()
        self._watch(job, kind)

    def _watch(self, job: dict[str, Any], kind: str) -> None:
        """Poll the job like the page does, and record the time to the finished result."""
        started = time.monotonic()
        delay = 0.25
        while job.get("status") not in FINISHED:
            if time.monotonic() - started > WATCH_LIMIT_S:
                self._record(f"{kind}: result", started, RuntimeError("no result in 60 s"))
                return
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)
            polled = self.client.get(f"/api/execution/{job['jobId']}", name="/api/execution/[id]")
            if not polled.ok:
                continue
            job = polled.json()
        failed = job.get("status") == "failed"
        self._record(f"{kind}: result", started, RuntimeError("job failed") if failed else None)

    def _record(self, name: str, started: float, error: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="JOB",
            name=name,
            response_time=(time.monotonic() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )
