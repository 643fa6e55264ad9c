"""docs/deploy.md's Debian steps, run for real where a test can: the database and configuration
part, against a PostgreSQL set up the way Debian's package sets one up.

Debian's `pg_createcluster` (postgresql-common) initialises a cluster with peer authentication
on the socket and scram-sha-256 on TCP: the API's DATABASE_URL (127.0.0.1) must carry a password.
The doc's lines run unchanged in bash but for their paths: /etc, /var/lib and /var/log are moved
under the test's temp dir, the cluster is a server of the test's own (PGHOST/PGPORT lead
`psql`/`createdb` to it) and its port replaces 5432 in the env file the doc installs.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.support.postgres_server import OwnPostgres

from .conftest import DEPLOY, ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DOC = ROOT / "docs" / "deploy.md"
# what Debian's pg_createcluster passes to initdb (PostgreSQL 14 and later)
DEBIAN_AUTH = ("--auth-local", "peer", "--auth-host", "scram-sha-256")
MOVED = ("/etc/coderunner", "/var/lib/coderunner", "/var/log/coderunner")


def debian_steps() -> str:
    """The doc's shell block for one Debian server."""
    section = DOC.read_text().split("## One Debian server", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found, "no ```sh block under 'One Debian server'"
    return found.group(1)


def database_part(steps: str) -> str:
    """From `# database and configuration` to the admin's creation."""
    lines = steps.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# database and config"))
    end = next(i for i, line in enumerate(lines) if "create-admin" in line)
    return "\n".join(lines[start : end + 1]) + "\n"


@pytest.fixture
def debian_postgres() -> Iterator[OwnPostgres]:
    if os.geteuid() != 0:
        pytest.skip("running a PostgreSQL of our own needs root (runuser postgres)")
    server = OwnPostgres(auth=DEBIAN_AUTH)
    try:
        server.start()
        yield server
    finally:
        server.remove()


def test_the_database_steps_work_on_debians_postgresql(
    debian_postgres: OwnPostgres, tmp_path: Path
) -> None:
    script = database_part(debian_steps())
    for path in MOVED:
        script = script.replace(path, f"{tmp_path}{path}")
    # a checkout whose env file points at the test's server; the doc's commands run in it
    checkout = tmp_path / "opt" / "coderunner"
    (checkout / "deploy" / "systemd").mkdir(parents=True)
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    env_file = (DEPLOY / "systemd" / "coderunner.env").read_text()
    assert "@127.0.0.1:5432/" in env_file
    env_file = env_file.replace("@127.0.0.1:5432/", f"@127.0.0.1:{debian_postgres.port}/")
    for path in MOVED:
        env_file = env_file.replace(path, f"{tmp_path}{path}")
    (checkout / "deploy" / "systemd" / "coderunner.env").write_text(env_file)
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "HOME": str(tmp_path),
        "PGHOST": str(debian_postgres.root),
        "PGPORT": str(debian_postgres.port),
        "CODERUNNER_ADMIN_PASSWORD": "a-headteachers-long-password",
    }
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{script}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"

    # what the units will read: a real secret, and a DATABASE_URL that logs in over TCP
    installed = dict(
        line.split("=", 1)
        for line in (tmp_path / "etc/coderunner/coderunner.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert len(installed["JWT_SECRET"]) >= 48
    url = installed["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")

    async def admin_role() -> str:
        conn = await asyncpg.connect(url)
        try:
            return str(await conn.fetchval("SELECT role FROM users WHERE username = 'headteacher'"))
        finally:
            await conn.close()

    assert asyncio.run(admin_role()).lower() == "admin"
