"""The process-wide real sandbox for the lesson tests marked `sandbox`, closed at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coderunner.sandbox import Sandbox, get_sandbox


@pytest.fixture(scope="session")
def real_sandbox() -> Iterator[Sandbox]:
    sandbox = get_sandbox()
    yield sandbox
    sandbox.close()
