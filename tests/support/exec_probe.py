"""Run the console script's `coderunner exec` in a child process and see what it imported."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# the console script's `main` (or the click group itself), with the self-test record in a
# scratch file (not the host's) and, at exit, every module the call imported written to a file
WRAPPER = """
import atexit, sys
from pathlib import Path

record, modules, how = sys.argv[1:4]
sys.argv = ["coderunner", *sys.argv[4:]]
import coderunner.sandbox.selftest_cache as cache

cache.CACHE_PATH = Path(record)
atexit.register(lambda: Path(modules).write_text("\\n".join(sorted(sys.modules))))
if how == "main":
    from coderunner.cli import main

    main()
else:  # the click command itself
    from coderunner.commands import cli

    cli()
"""
# what a plain `coderunner exec` never imports
NEVER_ON_EXEC = (
    "click",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "fastapi",
    "starlette",
    "sqlalchemy",
    "redis",
    "coderunner.config",
    "coderunner.commands",
    "importlib.metadata",
)


def run_exec(
    tmp_path: Path, how: str, args: list[str], env: Mapping[str, str]
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`coderunner exec ARGS` by `main` or by click ("click"): the process, its modules."""
    record, modules = tmp_path / "run" / "selftest", tmp_path / f"modules-{how}"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(record), str(modules), how, "exec", *args],
        capture_output=True,
        text=True,
        env=dict(env),
        # the first call in the sandbox runs the self-test, which takes a while on a busy host
        timeout=300,
        check=False,
    )
    return done, set(modules.read_text().split())


def never_on_exec(imported: set[str]) -> list[str]:
    """The modules of NEVER_ON_EXEC among `imported`."""
    return sorted(
        name
        for name in imported
        for never in NEVER_ON_EXEC
        if name == never or name.startswith(never + ".")
    )
