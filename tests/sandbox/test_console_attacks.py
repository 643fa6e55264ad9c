"""Attacks on the console run (sandbox.interactive): stdin and stdout stay open pipes while the
program runs, and every limit still holds. The host-stays-clean check runs after each test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from coderunner.sandbox import ConsoleLimits, ConsoleResult, ConsoleRun, Ended, Sandbox, Verdict

IDLE_S = 1.5


class Seen:
    """What the host relayed, and when."""

    def __init__(self) -> None:
        self.chunks: list[tuple[float, str, bytes]] = []
        self.lock = threading.Lock()
        self.closed_at: float | None = None

    def emit(self, stream: str, data: bytes) -> None:
        with self.lock:
            self.chunks.append((time.monotonic(), stream, data))

    def text(self, stream: str = "stdout") -> bytes:
        return b"".join(d for _, s, d in self.chunks if s == stream)


def run_console(
    sandbox: Sandbox,
    code: str,
    answers: list[tuple[float, bytes]] | None = None,
    limits: ConsoleLimits | None = None,
    room: Callable[[], bool] = lambda: True,
    language: str = "python",
) -> tuple[ConsoleResult, Seen, ConsoleRun]:
    seen = Seen()
    console = ConsoleRun(seen.emit, room, limits or ConsoleLimits(idle_s=IDLE_S, session_s=60))

    def typist() -> None:
        for delay, data in answers or []:
            time.sleep(delay)
            console.send(data)

    thread = threading.Thread(target=typist)
    thread.start()
    result = console.run(sandbox, language, code)
    seen.closed_at = time.monotonic()
    thread.join()
    return result, seen, console


def test_answers_reach_input_and_prompts_arrive_before_them(sandbox: Sandbox) -> None:
    code = 'a = input("Name? ")\nprint("Hi", a)\nb = input("Age? ")\nprint(int(b) + 1)\n'
    done, seen, _ = run_console(sandbox, code, [(0.3, b"Ann\n"), (0.3, b"9\n")])
    assert done.ended is Ended.EXITED
    assert done.run.verdict is Verdict.OK
    assert seen.text() == b"Name? Hi Ann\nAge? 10\n"
    # the first prompt was relayed before any answer was typed (unbuffered, as printed)
    assert seen.chunks[0][2].startswith(b"Name? ")


def test_a_console_that_never_answers_ends_at_the_idle_limit(sandbox: Sandbox) -> None:
    started = time.monotonic()
    done, seen, _ = run_console(sandbox, 'input("waiting? ")\n')
    took = time.monotonic() - started
    assert done.ended is Ended.IDLE
    assert seen.text() == b"waiting? "
    assert IDLE_S <= took < IDLE_S + 30  # generous on a loaded host; never "forever"


def test_a_program_that_reads_stdin_forever_ends_at_the_idle_limit(sandbox: Sandbox) -> None:
    code = "import sys\nwhile True:\n    sys.stdin.read(1)\n"
    # it eats every answer, then waits: idle, however many answers came before
    done, _seen, _ = run_console(sandbox, code, [(0.1, b"a\n"), (0.1, b"b\n")])
    assert done.ended is Ended.IDLE


def test_a_flood_ends_at_the_output_limit_and_only_the_limit_is_relayed(
    sandbox: Sandbox,
) -> None:
    done, seen, _ = run_console(sandbox, 'while True:\n    print("x" * 1000)\n')
    assert done.ended is Ended.EXITED
    assert done.run.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert len(seen.text()) == 64 * 1024
    # stderr floods are bounded the same way
    done, seen, _ = run_console(
        sandbox, "import sys\nwhile True:\n    sys.stderr.write('e' * 999)\n"
    )
    assert done.run.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert len(seen.text("stderr")) == 64 * 1024


def test_a_slow_reader_holds_the_flood_back(sandbox: Sandbox) -> None:
    held_until = time.monotonic() + 2.0
    code = 'import sys\nwhile True:\n    sys.stdout.write("y" * 4096)\n'
    done, seen, _ = run_console(sandbox, code, room=lambda: time.monotonic() >= held_until)
    # nothing was read while the reader was behind: the program blocked on its own writes
    assert all(at >= held_until for at, _, _ in seen.chunks)
    assert done.run.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert done.run.time_ms < 2000  # blocked, not spinning, while it waited


def test_nothing_reaches_the_channel_after_the_console_ends(sandbox: Sandbox) -> None:
    # a child process keeps writing after the program exits; answers after the end go nowhere
    code = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    while True:\n"
        "        os.write(1, b'ghost\\n')\n"
        "        time.sleep(0.01)\n"
        "print('bye', flush=True)\n"
    )
    done, seen, console = run_console(sandbox, code)
    assert done.ended is Ended.EXITED
    assert seen.closed_at is not None
    assert all(at <= seen.closed_at for at, _, _ in seen.chunks)
    count = len(seen.chunks)
    time.sleep(0.3)
    assert len(seen.chunks) == count
    assert console.send(b"late\n") is False


def test_cpu_and_memory_limits_are_unchanged(sandbox: Sandbox) -> None:
    spin, _, _ = run_console(sandbox, "while True:\n    pass\n")
    assert spin.ended is Ended.EXITED
    assert spin.run.verdict is Verdict.TIME_LIMIT_EXCEEDED
    hog, _, _ = run_console(sandbox, "x = bytearray(1 << 30)\n")
    assert hog.run.verdict in (Verdict.MEMORY_LIMIT_EXCEEDED, Verdict.RUNTIME_ERROR)
    assert "MemoryError" in hog.run.stderr or hog.run.verdict is Verdict.MEMORY_LIMIT_EXCEEDED


def test_the_session_limit_and_the_answer_budget(sandbox: Sandbox) -> None:
    # busy enough never to be idle, slow enough never to use up its CPU time
    code = "import time\nwhile True:\n    print('.', flush=True)\n    time.sleep(0.2)\n"
    limits = ConsoleLimits(idle_s=5, session_s=1.5, input_bytes=10)
    done, _, console = run_console(sandbox, code, [(0.1, b"12345\n"), (0.1, b"67890\n")], limits)
    assert done.ended is Ended.SESSION
    assert console.send(b"x") is False


def test_stop_ends_the_program_and_its_children(sandbox: Sandbox) -> None:
    code = (
        "import os, time\nos.fork()\nprint('both', flush=True)\nwhile True:\n    time.sleep(0.05)\n"
    )
    seen = Seen()
    console = ConsoleRun(seen.emit, lambda: True, ConsoleLimits(idle_s=60, session_s=60))
    timer = threading.Timer(1.0, console.stop)
    timer.start()
    done = console.run(sandbox, "python", code)
    timer.join()
    assert done.ended is Ended.STOPPED
    assert seen.text().count(b"both") == 2


def test_stop_before_the_program_started_is_a_stop(sandbox: Sandbox) -> None:
    seen = Seen()
    console = ConsoleRun(seen.emit, lambda: True, ConsoleLimits(idle_s=60, session_s=60))
    console.stop()
    done = console.run(sandbox, "python", "print('never')\n")
    assert done.ended is Ended.STOPPED
    assert done.run.verdict is not Verdict.INTERNAL_ERROR


def test_a_turtle_drawing_comes_back_from_the_console(sandbox: Sandbox) -> None:
    code = "import turtle\nsteps = int(input('How far? '))\nturtle.forward(steps)\nturtle.done()\n"
    done, seen, _ = run_console(sandbox, code, [(0.2, b"40\n")])
    assert done.run.verdict is Verdict.OK, done.run.stderr
    assert seen.text() == b"How far? "
    drawing = done.run.drawing
    assert drawing is not None
    assert drawing["truncated"] is False
    # the line the answer asked for: 40 steps east from the centre
    assert any(40.0 in c or 40 in c for c in drawing["commands"]), drawing["commands"]
