"""The process-wide real sandbox, for tests that run code without the app (marked `sandbox`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coderunner.sandbox import Sandbox, get_sandbox


@pytest.fixture(scope="session")
def real_sandbox() -> Iterator[Sandbox]:
    sandbox = get_sandbox()
    yield sandbox
    sandbox.close()
