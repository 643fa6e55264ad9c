"""One source of settings: only `coderunner.config` reads the environment, every field is used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from coderunner.config import Settings, load_settings

SRC = Path(__file__).resolve().parents[1] / "src" / "coderunner"
CONFIG = SRC / "config.py"
ENV_NAMES = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})
# Modules allowed to touch the environment besides config.py, each with its reason: programs
# that run inside the sandbox, where the environment is the one the sandbox gives the learner's
# program (never the service's settings). Probes kept as source text in string literals
# (sandbox/selftest.py's) are not read by this scan.
ALLOWED: dict[str, str] = {
    "sandbox/guest/": "the harnesses run inside the sandbox (CODERUNNER_PROMPTS and the like)",
    "sandbox/python_turtle.py": "mounted as turtle.py in runs: reads CODERUNNER_DRAWING_FD",
}


def _modules() -> list[Path]:
    return sorted(path for path in SRC.rglob("*.py") if path != CONFIG)


def _environment_reads(path: Path, root: Path = SRC) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENV_NAMES:
            found.append(f"{where}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in {"os", "posix"}:
            found.extend(
                f"{where}:{node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name in ENV_NAMES
            )
    return found


def test_the_scan_finds_an_environment_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom os import getenv\nx = os.environ.get('A')\n")
    hits = sorted(_environment_reads(sample, tmp_path))
    assert hits == ["sample.py:2: from os import getenv", "sample.py:3: .environ"]


def test_only_config_reads_the_environment() -> None:
    reads = [
        hit
        for path in _modules()
        if not str(path.relative_to(SRC)).startswith(tuple(ALLOWED))
        for hit in _environment_reads(path)
    ]
    assert reads == [], "read settings through coderunner.config.Settings instead:\n" + "\n".join(
        reads
    )


def test_every_settings_field_is_read() -> None:
    read: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute):
                read.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                read.add(node.value)  # settings.is_set("api_url")
    dead = sorted(set(Settings.model_fields) - read)
    assert dead == [], f"settings nobody reads (remove them): {dead}"


def test_pipeline_and_web_options_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from coderunner.execution.pipeline import Options
    from coderunner.web.config import WebConfig

    monkeypatch.setenv("CODERUNNER_EXECUTION_WAIT_S", "3.5")
    monkeypatch.setenv("CODERUNNER_EXECUTION_EVENTS_CAP_S", "60")
    monkeypatch.setenv("CODERUNNER_WORKER_SHUTDOWN_DEADLINE_S", "7")
    monkeypatch.setenv("CODERUNNER_SECURE_COOKIES", "true")
    monkeypatch.setenv("CODERUNNER_API_URL", "http://api.example:4000/")
    settings = Settings()
    options = Options.from_settings(settings)
    assert (options.wait_s, options.events_cap_s, options.shutdown_deadline_s) == (3.5, 60, 7)
    web = WebConfig.from_settings(settings)
    assert (web.api_url, web.secure_cookies) == ("http://api.example:4000", True)


def test_is_set_tells_given_from_defaulted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CODERUNNER_API_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CODERUNNER_TRUSTED_PROXIES", "10.0.0.0/8")
    settings = load_settings(data_dir=tmp_path)
    assert settings.is_set("trusted_proxies")
    assert settings.is_set("data_dir")
    assert not settings.is_set("api_url")
    # load_settings fills the SQLite default in; that is not the environment giving one
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert not settings.is_set("database_url")


def test_importing_the_token_module_hashes_nothing() -> None:
    # a fresh interpreter: this one may have signed someone in already
    probe = (
        "import coderunner.auth.tokens as t\n"
        "before = t.dummy_hash.cache_info().currsize\n"
        "valid, _ = t.verify_password('anything', None)\n"
        "print(before, valid, t.dummy_hash.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["0", "False", "1"]
