"""The fixtures every suite shares (tests/support), and this run's own sandbox uids."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.uids import Purpose, sandbox_env

pytest_plugins = ["tests.support.app", "tests.support.sandbox"]


# fixtures that need the real sandbox, start the product's processes or drive Chromium: a test
# that uses one carries its marker without saying so (`make test-fast` leaves them out)
MARKER_OF_FIXTURE = {
    "real_sandbox": "sandbox",
    "sandbox": "sandbox",
    "server": "serve",
    "browser": "browser",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            marker = MARKER_OF_FIXTURE.get(fixture)
            if marker is not None:
                item.add_marker(marker)


# CODERUNNER_TEST_BUSY=N (`make test-busy`, or beside any run): N processes spin on the host's
# CPUs for the whole run, so it proves that verdicts and tests don't depend on the load
_hogs: list[subprocess.Popen[bytes]] = []


def pytest_configure(config: pytest.Config) -> None:
    # the process-wide sandbox (`get_sandbox`, the apps' embedded workers) reads its uids from
    # the environment: give this worker its own block, apart from other suites on the host
    os.environ.update(sandbox_env(Purpose.IN_PROCESS))
    if "PYTEST_XDIST_WORKER" not in os.environ:  # once per run, not once per xdist worker
        count = int(os.environ.get("CODERUNNER_TEST_BUSY", "0"))
        spin = [sys.executable, "-c", "while True: pass"]
        _hogs.extend(subprocess.Popen(spin) for _ in range(count))


def pytest_unconfigure(config: pytest.Config) -> None:
    for hog in _hogs:
        hog.kill()
        hog.wait()
