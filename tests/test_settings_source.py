"""One source of settings: only `coderunner.config` reads the environment, every field is used.

`coderunner.sandbox_settings` reads the sandbox's fields too, without pydantic, for `coderunner
exec`: from the same table `Settings` is built of, and to the same values and messages.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from annotated_types import Ge, Gt, Le
from pydantic import AliasChoices

from coderunner import sandbox_settings
from coderunner.config import ConfigError, Settings, load_settings
from coderunner.sandbox_settings import FIELDS, SandboxSettings

SRC = Path(__file__).resolve().parents[1] / "src" / "coderunner"
CONFIG = SRC / "config.py"
# the modules that read settings: Settings, and the reader of the sandbox's fields built with it
SETTINGS_MODULES = (CONFIG, SRC / "sandbox_settings.py")
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
    return sorted(path for path in SRC.rglob("*.py") if path not in SETTINGS_MODULES)


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


# what the pydantic-free reader assumes of how Settings finds a value (sandbox_settings.read)
READER_ASSUMES = {
    "env_file": None,
    "secrets_dir": None,
    "case_sensitive": False,
    "env_prefix": "",
    "populate_by_name": True,
    "env_ignore_empty": False,
    "env_parse_none_str": None,
}


def test_settings_finds_values_as_the_sandbox_reader_assumes() -> None:
    config = {key: Settings.model_config.get(key) for key in READER_ASSUMES}
    assert config == READER_ASSUMES, "teach sandbox_settings.read() the new way, then change this"


def test_the_sandbox_table_is_what_settings_is_built_of() -> None:
    sandbox_fields = {name for name in Settings.model_fields if name.startswith("sandbox_")}
    assert sandbox_fields == set(FIELDS), "a sandbox setting belongs in sandbox_settings.FIELDS"
    assert [f.name for f in dataclasses.fields(SandboxSettings)] == list(FIELDS)
    for name, spec in FIELDS.items():
        field = Settings.model_fields[name]
        bounds = {type(item): item for item in field.metadata}
        assert (field.annotation, field.default) == (spec.kind, spec.default), name
        assert field.validation_alias == AliasChoices(spec.env), name
        assert bounds.get(Ge) == (None if spec.ge is None else Ge(spec.ge)), name
        assert bounds.get(Gt) == (None if spec.gt is None else Gt(spec.gt)), name
        assert bounds.get(Le) == (None if spec.le is None else Le(spec.le)), name
        assert set(bounds) <= {Ge, Gt, Le}, f"{name}: a constraint the table does not carry"
        hint = SandboxSettings.__annotations__[name]
        assert hint == spec.kind.__name__, name


RAW_VALUES: dict[type, list[str]] = {
    int: [
        *("1", "7", "16", "1024", "1025", "10000", "10001", "64000", "007", "0", "00"),
        *("99999999999999999999", "+5", "-1", " 5 ", "5 ", "5.0", "5.5", "1_000", "1e3"),
        *("", " ", "abc", "0x10", "\u0663", "five"),
    ],
    float: [
        *("1", "0.5", "1.5", "2", "8", "8.0", "8.000000000000001", "8.5", "10", "10.5", "0"),
        *("0.0", "0.9", "01.50", "1.", ".5", "1e0", " 2 ", "+2", "-1", "1_0", "nan", "inf"),
        *("", "abc", "1.0.0", "2,5"),
    ],
    str: ["", "/usr/bin/bwrap", " spaced ", "\u00fc"],
}
CASES = [(name, raw) for name, spec in FIELDS.items() for raw in RAW_VALUES[spec.kind]]


def _without_sandbox_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No spelling of any sandbox setting in the environment (the suite sets some)."""
    names = {spec.env.lower() for spec in FIELDS.values()} | set(FIELDS)
    for key in list(os.environ):
        if key.lower() in names:
            monkeypatch.delenv(key)


def _by_settings(tmp_path: Path) -> tuple[dict[str, object] | None, str | None]:
    try:
        settings = load_settings(data_dir=tmp_path)
    except ConfigError as exc:
        return None, str(exc)
    return {name: getattr(settings, name) for name in FIELDS}, None


def _by_reader() -> tuple[dict[str, object] | None, str | None]:
    try:
        read = sandbox_settings.read()
    except ConfigError as exc:
        return None, str(exc)
    return dataclasses.asdict(read), None


def _agree(tmp_path: Path) -> tuple[dict[str, object] | None, str | None]:
    by_settings, by_reader = _by_settings(tmp_path), _by_reader()
    assert by_reader == by_settings
    if by_reader[0] is not None:  # 5 == 5.0: the types must agree too
        assert {k: type(v) for k, v in by_reader[0].items()} == {
            k: type(v) for k, v in (by_settings[0] or {}).items()
        }
    return by_reader


@pytest.mark.parametrize(("name", "raw"), CASES, ids=[f"{n}={r!r}" for n, r in CASES])
def test_the_sandbox_reader_and_settings_agree(
    name: str, raw: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _without_sandbox_settings(monkeypatch)
    monkeypatch.setenv(FIELDS[name].env, raw)
    _agree(tmp_path)


def test_the_sandbox_reader_reads_every_spelling_settings_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _without_sandbox_settings(monkeypatch)
    assert _agree(tmp_path) == (dataclasses.asdict(sandbox_settings.read({})), None)
    monkeypatch.setenv("coderunner_Sandbox_UID", "70000")  # the variable, in any case
    monkeypatch.setenv("SANDBOX_UID_SLOTS", "4")  # the field's own name, in any case
    monkeypatch.setenv("sandbox_cpu_weight", "0")  # a bad value by the field's name...
    monkeypatch.setenv("CODERUNNER_SANDBOX_CPU_WEIGHT", "500")  # ...the variable wins
    values, error = _agree(tmp_path)
    assert error is None
    assert values is not None
    assert (values["sandbox_uid"], values["sandbox_uid_slots"]) == (70000, 4)
    assert values["sandbox_cpu_weight"] == 500
    monkeypatch.setenv("CODERUNNER_BWRAP", "/opt/bwrap")
    monkeypatch.setenv("CODERUNNER_SANDBOX_WALL_FACTOR", "0.5")
    monkeypatch.setenv("CODERUNNER_SANDBOX_CPU_CORES", "many")
    values, error = _agree(tmp_path)  # every bad value, one line each, in Settings' order
    assert error == (
        "invalid configuration:\n"
        "  CODERUNNER_SANDBOX_CPU_CORES: Input should be a valid number, unable to parse string "
        "as a number (got 'many')\n"
        "  CODERUNNER_SANDBOX_WALL_FACTOR: Input should be greater than or equal to 1 (got '0.5')"
    )


def test_the_sandbox_reader_needs_no_pydantic() -> None:
    probe = (
        "import sys\n"
        "from coderunner import sandbox_settings\n"
        "sandbox_settings.read({'CODERUNNER_SANDBOX_UID': '70000'})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pydantic')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
