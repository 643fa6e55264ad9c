"""Prompts of `input(prompt)` are not graded: the harness drops them from graded output only."""

from __future__ import annotations

from coderunner.sandbox import Sandbox, Verdict

ASKS = 'name = input("Enter your name: ")\nprint("Hi", name)\n'


def test_a_run_shows_the_prompt_as_python_does(sandbox: Sandbox) -> None:
    run = sandbox.run(ASKS, "python", "Ann\n")
    assert run.verdict is Verdict.OK
    assert run.stdout == "Enter your name: Hi Ann\n"


def test_graded_output_leaves_the_prompt_out_alone_and_in_a_batch(sandbox: Sandbox) -> None:
    # one input runs through the single-run boot, several through the batch harness
    (alone,) = sandbox.run_batch(ASKS, "python", ["Ann\n"])
    batch = sandbox.run_batch(ASKS, "python", ["Ann\n", "Bob\n"])
    assert [r.stdout for r in (alone, *batch)] == ["Hi Ann\n", "Hi Ann\n", "Hi Bob\n"]
    assert all(r.verdict is Verdict.OK and r.stderr == "" for r in (alone, *batch))


def test_graded_input_still_reads_lines_and_ends_at_eof_in_the_learners_words(
    sandbox: Sandbox,
) -> None:
    code = 'a = input("first? ")\nb = input(2)\nprint(a + b)\nc = input("more? ")\n'
    for run in [*sandbox.run_batch(code, "python", ["x\ny\n"]),
                *sandbox.run_batch(code, "python", ["x\ny\n", "p\nq\n"])]:  # fmt: skip
        assert run.verdict is Verdict.RUNTIME_ERROR
        assert run.stdout in ("xy\n", "pq\n")
        # the traceback names the learner's line only, never the harness's replacement
        assert "coderunner" not in run.stderr
        assert 'File "/sandbox/main.py", line 4' in run.stderr
        assert run.stderr.rstrip().endswith("EOFError: EOF when reading a line")


def test_a_program_cannot_print_past_the_rule(sandbox: Sandbox) -> None:
    # writing to stdout directly is output, whatever input() does with prompts
    code = "import sys\nsys.stdout.write('Enter: ')\nprint(input())\n"
    (run,) = sandbox.run_batch(code, "python", ["Ann\n"])
    assert run.stdout == "Enter: Ann\n"
