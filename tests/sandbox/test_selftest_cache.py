"""`coderunner exec` trusts a self-test passed earlier in this boot under the same policy, and
only a record that root wrote and nobody else could have."""

from __future__ import annotations

import atexit
import dataclasses
import os
from pathlib import Path

import pytest

from coderunner.sandbox import Sandbox, SelfTestReport, selftest_cache
from coderunner.sandbox.runner import Sandbox as SandboxClass
from coderunner.sandbox.selftest import Check

pytestmark = pytest.mark.sandbox


def test_a_pass_is_remembered_and_only_a_trusted_matching_record_counts(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    record = tmp_path / "run" / "selftest"
    assert not selftest_cache.passed_before(sandbox, record)
    selftest_cache.remember_pass(sandbox, record)
    assert selftest_cache.passed_before(sandbox, record)
    assert (os.stat(record).st_mode & 0o777, os.stat(record.parent).st_mode & 0o777) == (
        0o600,
        0o700,
    )
    os.chmod(record, 0o666)  # anyone could have written it
    assert not selftest_cache.passed_before(sandbox, record)
    os.chmod(record, 0o600)
    record.write_text("0" * 64 + "\n")  # another policy, another boot
    assert not selftest_cache.passed_before(sandbox, record)
    selftest_cache.remember_pass(sandbox, record)
    planted = tmp_path / "run" / "planted"
    planted.symlink_to(record)
    assert not selftest_cache.passed_before(sandbox, planted)


def test_another_policy_is_another_key(sandbox: Sandbox) -> None:
    other = SandboxClass(
        dataclasses.replace(sandbox.config, host_uid=sandbox.config.host_uid + 50),
        sandbox.cgroups,
    )
    try:
        assert selftest_cache.policy_key(other) != selftest_cache.policy_key(sandbox)
        assert selftest_cache.policy_key(sandbox) == selftest_cache.policy_key(sandbox)
    finally:
        other.close()


def test_every_file_mounted_into_the_sandbox_is_in_the_key() -> None:
    files = selftest_cache._policy_files()
    for mounted in ("python_turtle.py", "guest/boot.py", "guest/trace.py", "languages.yaml"):
        assert mounted in files


def test_exec_runs_the_selftest_once_per_boot(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coderunner.sandbox as module

    for name, value in (("_instance", None), ("_error", None), ("_backoff_s", 0.0)):
        monkeypatch.setattr(module, name, value)
    monkeypatch.setattr(module, "_retry_at", 0.0)
    monkeypatch.setattr(selftest_cache, "CACHE_PATH", tmp_path / "run" / "selftest")
    monkeypatch.setattr(module, "build_sandbox", lambda config=None: sandbox)
    monkeypatch.setattr(atexit, "register", lambda fn: fn)
    tests: list[int] = []

    def selftest(built: Sandbox) -> SelfTestReport:
        tests.append(1)
        return SelfTestReport(True, "test", 1, [Check("runs code", True)])

    monkeypatch.setattr(module, "run_selftest", selftest)
    assert module.get_sandbox(reuse_selftest=True) is sandbox
    monkeypatch.setattr(module, "_instance", None)  # the next `coderunner exec` process
    assert module.get_sandbox(reuse_selftest=True) is sandbox
    assert tests == [1]
    monkeypatch.setattr(module, "_instance", None)
    assert module.get_sandbox() is sandbox  # the service always tests
    assert tests == [1, 1]
