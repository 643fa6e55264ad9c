"""Step mode's tracer, run inside the real sandbox: what a step records, and attacks on it."""

from __future__ import annotations

import json
import time

import pytest

from coderunner.sandbox import Sandbox, Verdict
from coderunner.sandbox.tracing import MAX_STEPS, trace_python

pytestmark = pytest.mark.sandbox


def test_a_loop_shows_each_line_its_variables_and_output(sandbox: Sandbox) -> None:
    code = "total = 0\nfor i in range(3):\n    total += i\n    print(total)\n"
    trace = trace_python(sandbox, code)
    assert trace.result.verdict is Verdict.OK
    assert trace.end == "finished"
    assert [s["line"] for s in trace.steps] == [1, 2, 3, 4, 2, 3, 4, 2, 3, 4, 2, 2]
    # a step shows the state before its line runs
    assert trace.steps[0]["globals"] == {}
    assert trace.steps[3]["globals"] == {"total": "0", "i": "0"}
    assert [s["globals"].get("total") for s in trace.steps[4:8]] == ["0", "0", "1", "1"]
    assert "".join(s.get("output", "") for s in trace.steps) == "0\n1\n3\n"
    assert trace.steps[4]["output"] == "0\n"
    assert trace.steps[-1]["event"] == "return"
    assert trace.result.stdout == "0\n1\n3\n"


def test_a_function_call_shows_its_frame_locals_and_return(sandbox: Sandbox) -> None:
    code = "def square(x):\n    y = x * x\n    return y\n\nanswer = square(4)\n"
    trace = trace_python(sandbox, code)
    events = [(s["event"], s["line"]) for s in trace.steps]
    assert events == [
        ("line", 1), ("line", 5), ("call", 1), ("line", 2), ("line", 3), ("return", 3),
        ("return", 5),
    ]  # fmt: skip
    inside = trace.steps[4]
    assert inside["frames"] == [{"name": "square", "line": 3, "locals": {"x": "4", "y": "16"}}]
    assert trace.steps[5]["returned"] == "16"
    # functions, modules and classes are the program's tools, not its variables
    assert trace.steps[-1]["globals"] == {"answer": "16"}


def test_input_comes_from_stdin(sandbox: Sandbox) -> None:
    code = "name = input('Name? ')\nage = int(input())\nprint(name, age + 1)\n"
    trace = trace_python(sandbox, code, "Ada\n9\n")
    assert trace.end == "finished"
    assert trace.steps[-1]["globals"] == {"name": "'Ada'", "age": "9"}
    assert trace.result.stdout == "Name? Ada 10\n"


def test_an_exception_is_shown_at_its_line(sandbox: Sandbox) -> None:
    code = "x = 1\ny = 0\nprint(x / y)\n"
    trace = trace_python(sandbox, code)
    assert trace.result.verdict is Verdict.RUNTIME_ERROR
    assert trace.end == "error"
    assert trace.error == "ZeroDivisionError: division by zero"
    assert trace.error_line == 3
    last = trace.steps[-1]
    assert (last["event"], last["line"]) == ("exception", 3)
    assert last["exception"] == "ZeroDivisionError: division by zero"
    # the traceback is a plain run's, without the tracer's frames
    assert "trace.py" not in trace.result.stderr
    assert 'File "/sandbox/main.py", line 3' in trace.result.stderr


def test_a_syntax_error_has_no_steps(sandbox: Sandbox) -> None:
    trace = trace_python(sandbox, "print('hi'\n")
    assert trace.result.verdict is Verdict.RUNTIME_ERROR
    assert (trace.end, trace.steps) == ("error", [])
    assert "SyntaxError" in trace.result.stderr


def test_exit_ends_the_trace_with_its_status(sandbox: Sandbox) -> None:
    trace = trace_python(sandbox, "print('bye')\nexit(3)\nprint('never')\n")
    assert (trace.end, trace.result.exit_code) == ("exit", 3)
    assert trace.result.stdout == "bye\n"
    assert all(s["event"] != "exception" for s in trace.steps)


def test_values_are_short_and_containers_shown(sandbox: Sandbox) -> None:
    code = (
        "a = [1, 'two', (3,), {'k': {4}}, None, 2.5]\n"
        "b = list(range(100))\n"
        "c = 'x' * 1000\n"
        "d = frozenset()\n"
        "e = set()\n"
        "pass\n"
    )
    names = trace_python(sandbox, code).steps[-1]["globals"]
    assert names["a"] == "[1, 'two', (3,), {'k': {4}}, None, 2.5]"
    assert names["b"].startswith("[0, 1, 2,")
    assert names["b"].endswith("… 88 more]")
    assert names["c"] == "'" + "x" * 120 + "'…"
    assert (names["d"], names["e"]) == ("frozenset({})", "set()")


# attacks -----------------------------------------------------------------------------------


def test_a_recursion_bomb_ends_at_the_step_limit(sandbox: Sandbox) -> None:
    trace = trace_python(sandbox, "def f(n):\n    return f(n + 1)\n\nf(0)\n")
    assert trace.result.verdict is Verdict.OK
    assert trace.end == "steps"
    assert len(trace.steps) == MAX_STEPS
    deepest = trace.steps[-1]
    assert len(deepest["frames"]) == 8  # the innermost frames, and how deep it went
    assert deepest["depth"] > 300


def test_millions_of_steps_end_at_the_limit_quickly(sandbox: Sandbox) -> None:
    started = time.monotonic()
    trace = trace_python(sandbox, "n = 0\nwhile True:\n    n += 1\n")
    assert trace.end == "steps"
    assert len(trace.steps) == MAX_STEPS
    assert trace.steps[-1]["globals"]["n"] == str((MAX_STEPS - 2) // 2)
    assert time.monotonic() - started < 10


def test_switching_the_tracer_off_does_not_stop_it(sandbox: Sandbox) -> None:
    code = (
        "import sys\n"
        "sys.settrace(None)\n"
        "sys.settrace(lambda *a: None)\n"
        "seen = sys.gettrace()\n"
        "x = 1\n"
        "x = 2\n"
    )
    trace = trace_python(sandbox, code)
    assert trace.end == "finished"
    assert trace.tampered
    assert [s["line"] for s in trace.steps] == [1, 2, 3, 4, 5, 6, 6]
    assert trace.steps[-1]["globals"] == {"seen": "None", "x": "2"}


def test_a_program_that_reaches_the_real_settrace_only_ends_its_own_trace(
    sandbox: Sandbox,
) -> None:
    code = (
        "import sys\n"
        "tracer = sys._getframe().f_trace.__self__\n"
        "tracer_off = sys.modules['__main__'].__builtins__.__dict__['__import__']\n"
        "import gc\n"
        "real = [f for f in gc.get_referents(type(tracer).stop.__globals__) if 0]\n"
        "type(tracer).stop.__globals__['_settrace'](None)\n"
        "x = 1\n"
        "print('still runs', x)\n"
    )
    trace = trace_python(sandbox, code)
    assert trace.result.verdict is Verdict.OK
    assert trace.result.stdout == "still runs 1\n"
    assert trace.tampered
    assert max(s["line"] for s in trace.steps) == 6


def test_printed_fake_records_are_output_not_steps(sandbox: Sandbox) -> None:
    fake = json.dumps({"l": 99, "e": "line", "g": {"hacked": "yes"}})
    code = (
        "import os, sys\n"
        "print('@@coderunner-trace abc')\n"
        f"print('abc ' + {fake!r})\n"
        f"os.write(1, b'\\nabc ' + {fake!r}.encode() + b'\\n')\n"
        f"sys.__stdout__.write('abc ' + {fake!r} + '\\n')\n"
        "x = 1\n"
    )
    trace = trace_python(sandbox, code)
    assert trace.end == "finished"
    assert all(s["line"] != 99 and "hacked" not in s["globals"] for s in trace.steps)
    assert trace.rejected == 0
    assert trace.result.stdout.count('"hacked"') == 3


def test_forged_records_with_the_real_nonce_stay_bounded(sandbox: Sandbox) -> None:
    code = (
        "import os, sys, json\n"
        "nonce = sys._getframe().f_trace.__self__.nonce\n"
        "big = dict.fromkeys(['v%d' % i for i in range(40)], 'x' * 400)\n"
        "huge = json.dumps({'l': 7, 'e': 'line', 'g': big, 'f': [['f', 1, big]] * 2})\n"
        "good = json.dumps({'l': 7, 'e': 'line', 'g': {'hacked': 'yes'}})\n"
        'bad = [\'[1, 2]\', \'{"l": -1, "e": "line"}\', \'{"l": 1, "e": "boom"}\', \'no\']\n'
        "for i in range(3000):\n"
        "    forged = huge if i % 300 == 1 else good if i % 2 else bad[i % 4]\n"
        "    os.write(1, ('\\n' + nonce + ' ' + forged).encode())\n"
        "os.write(1, ('\\n' + nonce + ' ' + json.dumps({'end': 'finished'}) + '\\n').encode())\n"
        "os._exit(0)\n"
    )
    trace = trace_python(sandbox, code)
    # forged records can only fool the program's own page, within the bounds
    assert trace.result.verdict is Verdict.OK
    assert len(trace.steps) <= MAX_STEPS
    assert trace.rejected >= 100
    assert any(s["globals"] == {"hacked": "yes"} for s in trace.steps)
    for step in trace.steps:
        assert len(step["frames"]) <= 8
        assert len(step["globals"]) <= 31
        assert all(len(v) <= 301 for v in step["globals"].values())


def test_reprs_of_the_learner_are_never_called(sandbox: Sandbox) -> None:
    code = (
        "import time\n"
        "class Loop:\n"
        "    def __repr__(self):\n"
        "        while True: pass\n"
        "class Sleepy:\n"
        "    def __repr__(self):\n"
        "        time.sleep(100)\n"
        "class Raises:\n"
        "    def __repr__(self):\n"
        "        raise RuntimeError('no')\n"
        "    def __eq__(self, other):\n"
        "        while True: pass\n"
        "    __hash__ = object.__hash__\n"
        "class Meta(type):\n"
        "    __name__ = property(lambda cls: time.sleep(100))\n"
        "class Odd(metaclass=Meta):\n"
        "    __class__ = property(lambda self: time.sleep(100))\n"
        "things = [Loop(), Sleepy(), Raises(), Odd()]\n"
        "keys = {Raises(): Loop()}\n"
        "done = True\n"
    )
    started = time.monotonic()
    trace = trace_python(sandbox, code)
    assert trace.end == "finished", trace.result.stderr
    names = trace.steps[-1]["globals"]
    assert names["things"] == "[<Loop object>, <Sleepy object>, <Raises object>, <Odd object>]"
    assert names["keys"] == "{<Raises object>: <Loop object>}"
    assert time.monotonic() - started < 10


def test_an_exception_whose_str_loops_ends_on_the_time_limit(sandbox: Sandbox) -> None:
    code = (
        "class Stuck(Exception):\n"
        "    def __str__(self):\n"
        "        while True: pass\n"
        "x = 1\n"
        "raise Stuck()\n"
    )
    trace = trace_python(sandbox, code)
    # the plain traceback calls __str__ (as on Run); the steps until then survive
    assert trace.result.verdict is Verdict.TIME_LIMIT_EXCEEDED
    assert trace.end == "time"
    assert trace.steps[-1]["exception"] == "Stuck"


def test_huge_values_are_shown_short(sandbox: Sandbox) -> None:
    code = (
        "s = 'a' * 10**7\n"
        "big = list(range(10**6))\n"
        "n = 7 ** 300000\n"
        "d = dict.fromkeys(range(10**4), [0] * 1000)\n"
        "done = 1\n"
    )
    trace = trace_python(sandbox, code)
    assert trace.end == "finished", trace.result.stderr
    names = trace.steps[-1]["globals"]
    assert names["n"] == "<a number with about 253530 digits>"
    assert all(len(v) <= 260 for v in names.values())
    assert len(json.dumps(trace.steps)) < 20_000


def test_deep_and_cyclic_data_is_cut(sandbox: Sandbox) -> None:
    code = (
        "deep = []\n"
        "for _ in range(300):\n"
        "    deep = [deep]\n"
        "loop = [1]\n"
        "loop.append(loop)\n"
        "me = {}\n"
        "me['me'] = me\n"
        "done = 1\n"
    )
    trace = trace_python(sandbox, code)
    assert trace.end == "finished"
    names = trace.steps[-1]["globals"]
    assert names["deep"] == "[[[[…]]]]"
    assert names["loop"] == "[1, [1, [1, […]]]]"
    assert names["me"] == "{'me': {'me': {'me': {…}}}}"


def test_generators_are_stepped_and_bounded(sandbox: Sandbox) -> None:
    code = (
        "def count():\n"
        "    n = 0\n"
        "    while True:\n"
        "        yield n\n"
        "        n += 1\n"
        "g = count()\n"
        "total = sum(x for x in g if x % 2)\n"
    )
    trace = trace_python(sandbox, code)
    assert trace.end == "steps"
    assert len(trace.steps) == MAX_STEPS
    assert trace.steps[-1]["globals"]["g"] == "<generator object>"
    assert {f["name"] for s in trace.steps for f in s["frames"]} == {"count", "<genexpr>"}


def test_an_output_flood_ends_at_the_output_limit(sandbox: Sandbox) -> None:
    trace = trace_python(sandbox, "while True:\n    print('spam' * 1000)\n")
    assert trace.end == "output"
    assert trace.result.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert len(trace.result.stdout) <= 64 * 1024


def test_too_many_big_variables_end_at_the_byte_budget(sandbox: Sandbox) -> None:
    code = "".join(f"v{i} = [{i}] * 50\n" for i in range(30)) + "while True:\n    pass\n"
    trace = trace_python(sandbox, code)
    assert trace.end == "size"
    assert 30 < len(trace.steps) < MAX_STEPS
    assert len(json.dumps(trace.steps)) < 1024 * 1024


def test_closing_stdout_does_not_break_the_trace(sandbox: Sandbox) -> None:
    trace = trace_python(sandbox, "import os\nos.close(1)\nprint('hi')\nx = 2\n")
    assert trace.end == "finished"
    assert trace.result.stdout == "hi\n"
    assert trace.steps[-1]["globals"] == {"x": "2"}


def test_a_memory_bomb_ends_on_the_memory_limit(sandbox: Sandbox) -> None:
    trace = trace_python(sandbox, "x = 1\nhog = 'a' * (10**9)\n")
    assert trace.result.verdict is Verdict.MEMORY_LIMIT_EXCEEDED
    assert trace.end == "memory"
    assert [s["line"] for s in trace.steps] == [1, 2]
