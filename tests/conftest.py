"""The fixtures every suite shares (tests/support), and this run's own sandbox uids."""

from __future__ import annotations

import os

import pytest

from tests.support.uids import Purpose, sandbox_env

pytest_plugins = ["tests.support.app", "tests.support.sandbox"]


def pytest_configure(config: pytest.Config) -> None:
    # the process-wide sandbox (`get_sandbox`, the apps' embedded workers) reads its uids from
    # the environment: give this worker its own block, apart from other suites on the host
    os.environ.update(sandbox_env(Purpose.IN_PROCESS))
