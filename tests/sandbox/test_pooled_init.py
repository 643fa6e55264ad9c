"""Our init's pooled relay (guest/init.py --pooled), with real bubblewrap.

Languages without an init of their own (JavaScript, Java) are pooled behind our init: it holds
the host's control socket and gives the command a socket of its own. These tests drive the relay
with a Python command standing in for such a language (Python's own entry is its own init), so
they hold whichever languages the host has.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from coderunner.sandbox import Limits, Sandbox, Verdict
from coderunner.sandbox.languages import Language, get_language
from coderunner.sandbox.pool import SandboxPool
from coderunner.sandbox.spawner_client import wait_exit

from .conftest import OwnPool

pytestmark = pytest.mark.sandbox

LIMITS = Limits(cpu_time_s=2.0, wall_time_s=5.0, memory_mb=64)

# the command behind the relay: its start-up, then b"r", then wait for b"g" and run the file
_READY_THEN_RUN = """
import os, sys
fd = int(os.environ["CODERUNNER_POOLED_FD"])
os.write(fd, b"r")
if os.read(fd, 1) != b"g":
    sys.exit(3)
KEEP
sys.argv = sys.argv[1:]
exec(compile(open(sys.argv[0]).read(), sys.argv[0], "exec"), {"__name__": "__main__"})
"""


def _relayed(keep_socket: bool = False, start: str = _READY_THEN_RUN) -> Language:
    """Python run through our init, pooled the way JavaScript and Java are."""
    python = get_language("python")
    script = start.replace("KEEP", "" if keep_socket else "os.close(fd)")
    pooled = ("--pooled={control}", "/usr/bin/python3", "-S", "-c", script, "{file}")
    return replace(
        python, own_init=False, run=("/usr/bin/python3", "-S", "{file}"), pooled_run=pooled,
        batch=None, pooled_batch=None, drawing=False,
    )  # fmt: skip


def _pooled(
    base: Sandbox, own_pool: OwnPool, lang: Language, filled: bool = True
) -> tuple[Sandbox, SandboxPool]:
    """A sandbox of its own whose pool keeps one `lang` run ready (once `filled`)."""
    config = replace(base.config, languages={"python": lang})
    own = own_pool(config, LIMITS, batches=False, fill_s=60.0 if filled else None)
    assert own.pool is not None
    return own, own.pool


def test_a_relayed_pooled_run_runs_the_program(sandbox: Sandbox, own_pool: OwnPool) -> None:
    own, pool = _pooled(sandbox, own_pool, _relayed())
    code = "import os\nprint('hi', input(), os.getpid())\nraise SystemExit(5)"
    result = own.run(code, stdin="Ada\n", limits=LIMITS)
    assert pool.stats.handed_out == 1
    assert result.stdout == "hi Ada 2\n", result
    assert result.exit_code == 5
    assert result.verdict is Verdict.RUNTIME_ERROR


def test_the_program_cannot_report_an_exit_status_of_its_own(
    sandbox: Sandbox, own_pool: OwnPool
) -> None:
    """The command's socket to init stays open in the program here; what the program writes
    there must never reach the host as the run's status."""
    own, pool = _pooled(sandbox, own_pool, _relayed(keep_socket=True))
    attack = """
import os, sys
fd = int(os.environ["CODERUNNER_POOLED_FD"])
try:
    os.write(fd, b"x0\\n")
    print("written")
except OSError as exc:
    print("refused", exc.errno)
sys.exit(7)
"""
    result = own.run(attack, limits=LIMITS)
    assert pool.stats.handed_out == 1
    # init closes its end right after it relays the go: a write that comes sooner lands in a
    # buffer nobody reads (a loaded host lets it), a later one fails with EPIPE
    assert result.stdout in ("refused 32\n", "written\n"), result
    assert result.exit_code == 7  # the status is init's own report, never the program's
    assert result.verdict is Verdict.RUNTIME_ERROR


def test_a_command_that_dies_starting_up_is_never_handed_out(
    sandbox: Sandbox, own_pool: OwnPool
) -> None:
    own, pool = _pooled(sandbox, own_pool, _relayed(start="raise SystemExit(9)"), filled=False)
    deadline = time.monotonic() + 60.0
    while pool.stats.failed < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.stats.failed >= 1
    result = own.run("print('fine')", limits=LIMITS)
    assert result.stdout == "fine\n"
    assert pool.stats.handed_out == 0


def test_a_relayed_sandbox_whose_control_closes_early_ends(
    sandbox: Sandbox, own_pool: OwnPool
) -> None:
    lang = _relayed()
    own, pool = _pooled(sandbox, own_pool, lang)
    waiting = pool.take(lang, own.resolve_limits(lang, LIMITS), False)
    assert waiting is not None
    waiting.run.owned.close(waiting.control)
    try:
        assert wait_exit(waiting.run.pid, 30.0), "init hung on a closed control socket"
    finally:
        pool.done(waiting)


def test_a_quiet_relay_tells_the_program_nothing(sandbox: Sandbox, own_pool: OwnPool) -> None:
    """--pooled-quiet: the command gets the socket's number on its command line, and neither
    it nor the program has our variable (Java cannot take one out of its program's sight)."""
    start = _READY_THEN_RUN.replace(
        'fd = int(os.environ["CODERUNNER_POOLED_FD"])',
        'assert "CODERUNNER_POOLED_FD" not in os.environ\nfd = int(sys.argv.pop(1))',
    )
    lang = _relayed(start=start)
    assert lang.pooled_run is not None
    _, python, *rest = lang.pooled_run
    lang = replace(
        lang, pooled_run=("--pooled-quiet={control}", python, *rest[:-1], "{control}", "{file}")
    )
    own, pool = _pooled(sandbox, own_pool, lang)
    code = "import os\nprint(sorted(k for k in os.environ if 'POOLED' in k), input())"
    result = own.run(code, stdin="Ada\n", limits=LIMITS)
    assert pool.stats.handed_out == 1
    assert (result.verdict, result.stdout) == (Verdict.OK, "[] Ada\n"), result
