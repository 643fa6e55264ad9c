"""Step mode's result: the traced run (`sandbox.tracing`), with words for a child about how it
ended and the explanation of its error, bounded in bytes for the job row."""

from __future__ import annotations

import json
from typing import Any

from coderunner.execution.explaining import explanation_for
from coderunner.sandbox import Limits, RunResult, Sandbox
from coderunner.sandbox.tracing import MAX_STEPS, TraceRun, trace_python

RESULT_MAX_BYTES = 768 * 1024  # the steps of one trace, as JSON in the job's result


def _message(trace: TraceRun, shown: int) -> str:
    line = f" on line {trace.error_line}" if trace.error_line else ""
    words = {
        "finished": f"Your program finished after {shown} steps.",
        "exit": f"Your program stopped itself after {shown} steps.",
        "error": f"Your program stopped with an error{line}. Step to the end to see where.",
        "steps": f"Your program took more than {trace.max_steps} steps, so here are the first "
        f"{shown}. Try smaller numbers or fewer repeats to see it all.",
        "output": "Your program printed too much, so the steps stop there.",
        "size": f"Your program's steps got too big to show them all, so here are the first "
        f"{shown}. Try shorter lists or fewer repeats.",
        "time": "Your program ran out of time (is there a loop that never ends?). Here are the "
        "steps before it stopped.",
        "memory": "Your program used too much memory. Here are the steps before it stopped.",
    }
    if trace.end == "error" and not shown:  # it never started: Python could not read it
        words["error"] = f"Python could not start your program: look at line {trace.error_line}."
    text = words.get(
        trace.end, "Your program stopped before it finished. Here are the steps it made."
    )
    if trace.tampered:
        text += " It tried to switch off the step tracer, which only works when you Run it."
    return text


def _bounded(steps: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """The first steps whose JSON fits in RESULT_MAX_BYTES; whether some were cut."""
    size = 0
    for index, step in enumerate(steps):
        size += len(json.dumps(step)) + 1
        if size > RESULT_MAX_BYTES:
            return steps[:index], True
    return steps, False


def trace_result(
    sandbox: Sandbox,
    code: str,
    stdin: str,
    limits: Limits | None,
    age_group: str | None,
) -> tuple[RunResult, dict[str, Any]]:
    """Blocking: run `code` under the tracer; the run and the job's result (with `trace`)."""
    trace = trace_python(sandbox, code, stdin, limits, MAX_STEPS)
    run = trace.result
    data = run.to_dict()
    data.pop("internalReason", None)
    explanation = explanation_for(run.stderr, run.verdict.value, code, age_group, "python")
    if explanation is not None:
        data["explanation"] = explanation
    steps, cut = _bounded(trace.steps)
    if cut:
        trace.end = "size"
    body: dict[str, Any] = {
        "steps": steps,
        "maxSteps": trace.max_steps,
        "end": trace.end,
        "message": _message(trace, len(steps)),
        "tampered": trace.tampered,
    }
    if trace.error:
        body["error"] = {"text": trace.error, "line": trace.error_line}
    data["trace"] = body
    return run, data
