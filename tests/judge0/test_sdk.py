"""The official `judge0` Python SDK (PyPI), unchanged, against a running `coderunner serve`:
an admin-made API key in X-Auth-Token, Python, JavaScript and Java programs, a batch, a wrong
answer, a time limit and a compilation error, all through the real sandbox."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import judge0
from judge0 import Status, Submission
from tests.support.ports import free_port
from tests.support.serve import CODERUNNER, clean_env, spawn, stop, wait_until_answers
from tests.support.uids import Purpose, sandbox_env

pytestmark = pytest.mark.sandbox

PYTHON, JAVASCRIPT, JAVA = 92, 93, 91


def _env(tmp: Path) -> dict[str, str]:
    return clean_env(
        CODERUNNER_ADMIN_PASSWORD="a-long-admin-password",
        RATE_LIMIT_MAX_REQUESTS="100000",
        LOG_DIR=str(tmp / "logs"),
        **sandbox_env(Purpose.JUDGE0_SERVER),
    )


def _sandbox_ok(response: httpx.Response) -> bool:
    """/health says the sandbox passed its self-test (the server can run programs)."""
    try:
        checks = response.json()["checks"]
    except (ValueError, KeyError):
        return False
    return bool(checks.get("sandbox", {}).get("status") == "ok")


@dataclass(frozen=True)
class Server:
    endpoint: str  # the Judge0 base URL
    key: str  # an admin's API key, made with `coderunner create-api-key`
    env: dict[str, str]
    common: list[str]  # the CLI's options for this server's data

    def cli(self, *argv: str) -> str:
        """`coderunner ARGV` on this server's data; its output."""
        done = subprocess.run([CODERUNNER, *argv, *self.common], env=self.env, check=True,
                              capture_output=True, text=True)  # fmt: skip
        return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running server and an admin's API key."""
    tmp = tmp_path_factory.mktemp("judge0")
    data_dir = tmp / "data"
    env = _env(tmp)
    common = ["--data-dir", str(data_dir)]
    subprocess.run([CODERUNNER, "create-admin", "--username", "sdkadmin", *common], env=env,
                   check=True, capture_output=True)  # fmt: skip
    made = subprocess.run(
        [CODERUNNER, "create-api-key", "--username", "sdkadmin", "--name", "sdk test", *common],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("cr_")
    api_port, web_port = free_port(), free_port()
    argv = [CODERUNNER, "serve", "--api-port", str(api_port), "--web-port", str(web_port)]
    watched = spawn([*argv, *common], env, tmp / "serve.log")
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_until_answers(f"{base}/health", [watched], ready=_sandbox_ok)
        yield Server(f"{base}/judge0", key, env, common)
    finally:
        stop(watched[0])


@pytest.fixture(scope="module")
def client(server: Server) -> judge0.Client:
    return judge0.Client(
        server.endpoint,
        headers={"X-Auth-Token": server.key},
        retry_strategy=judge0.RegularPeriodRetry(0.3),
    )


def test_the_client_sees_our_languages_and_config(client: judge0.Client) -> None:
    ids = {language.id for language in client.languages}
    assert {PYTHON, JAVASCRIPT, JAVA, 71, 63, 62} <= ids
    assert client.config.enable_network is False
    assert client.version == "1.13.1"
    assert client.is_language_supported(judge0.PYTHON)  # the SDK's alias for 1.13.1 (71)


def test_python_program(client: judge0.Client) -> None:
    result = judge0.run(
        client=client, source_code="print(input()[::-1])", language=PYTHON, stdin="hello"
    )
    assert result.status == Status.ACCEPTED, result
    assert result.stdout == "olleh\n"
    assert result.time is not None
    assert result.memory is not None


def test_javascript_program(client: judge0.Client) -> None:
    code = "const n = Number(require('fs').readFileSync(0, 'utf8'));\nconsole.log(n * 2);"
    result = judge0.run(client=client, source_code=code, language=JAVASCRIPT, stdin="21")
    assert result.status == Status.ACCEPTED, result
    assert result.stdout == "42\n"


def test_java_program(client: judge0.Client) -> None:
    code = """
import java.util.Scanner;
public class Main {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println("Hi " + in.nextLine());
    }
}
"""
    result = judge0.run(client=client, source_code=code, language=JAVA, stdin="Ada")
    assert result.status == Status.ACCEPTED, result
    assert result.stdout == "Hi Ada\n"


def test_batch_with_test_cases_and_a_wrong_answer(client: judge0.Client) -> None:
    results = judge0.run(
        client=client,
        source_code="a, b = map(int, input().split())\nprint(a + b)",
        language=PYTHON,
        test_cases=[("1 2", "3"), ("2 2", "4"), ("5 5", "11")],
    )
    assert isinstance(results, list)
    assert [r.status for r in results] == [
        Status.ACCEPTED,
        Status.ACCEPTED,
        Status.WRONG_ANSWER,
    ]
    assert results[2].stdout == "10\n"


def test_batch_of_three_languages(client: judge0.Client) -> None:
    submissions = [
        Submission(source_code="print('py')", language=PYTHON),
        Submission(source_code="console.log('js')", language=JAVASCRIPT),
        Submission(
            source_code="public class Main { public static void main(String[] a) "
            '{ System.out.println("java"); } }',
            language=JAVA,
        ),
    ]
    results = judge0.run(client=client, submissions=submissions)
    assert [r.stdout for r in results] == ["py\n", "js\n", "java\n"]
    assert all(r.status == Status.ACCEPTED for r in results)


def test_time_limit(client: judge0.Client) -> None:
    result = judge0.run(
        client=client, source_code="while True:\n    pass", language=PYTHON, cpu_time_limit=1
    )
    assert result.status == Status.TIME_LIMIT_EXCEEDED, result


def test_compilation_error(client: judge0.Client) -> None:
    code = "public class Main { public static void main(String[] a) { int x = } }"
    result = judge0.run(client=client, source_code=code, language=JAVA)
    assert result.status == Status.COMPILATION_ERROR, result
    assert result.compile_output is not None
    assert "error" in result.compile_output


def test_runtime_error_is_nzec_with_stderr(client: judge0.Client) -> None:
    result = judge0.run(client=client, source_code="print(1 // 0)", language=PYTHON)
    assert result.status == Status.RUNTIME_ERROR_NZEC, result
    assert result.stderr is not None
    assert "ZeroDivisionError" in result.stderr


def test_no_key_or_a_wrong_key_is_refused(server: Server) -> None:
    endpoint = server.endpoint
    body = {"source_code": "print(1)", "language_id": PYTHON}
    assert httpx.post(f"{endpoint}/submissions", json=body).status_code == 401
    wrong = httpx.post(
        f"{endpoint}/submissions", json=body, headers={"X-Auth-Token": "cr_not-a-key"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "INVALID_API_KEY"


def test_an_admin_revokes_a_key_with_the_cli(server: Server) -> None:
    key = server.cli("create-api-key", "--username", "sdkadmin", "--name", "leaked")
    headers = {"X-Auth-Token": key.strip().splitlines()[-1]}
    url = f"{server.endpoint}/submissions/batch?tokens="
    assert httpx.get(url, headers=headers).status_code == 200
    said = server.cli("revoke-api-key", "--username", "sdkadmin", "--name", "leaked")
    assert "revoked 1 key" in said
    refused = httpx.get(url, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "INVALID_API_KEY"
    # the admin's other key goes on working
    assert httpx.get(url, headers={"X-Auth-Token": server.key}).status_code == 200
