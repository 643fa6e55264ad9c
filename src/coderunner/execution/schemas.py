"""Request and response bodies of /execution (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from coderunner.kernel.schemas import APIModel, InputModel
from coderunner.sandbox import SERVER_MAXIMA


class LimitsIn(InputModel):
    """Requested limits of a run; the server maxima cap them."""

    time_limit_s: float | None = Field(default=None, gt=0, le=SERVER_MAXIMA.wall_time_s)
    memory_mb: int | None = Field(default=None, ge=16, le=SERVER_MAXIMA.memory_mb)


class RunRequest(InputModel):
    # whitespace is meaningful in code and input: never strip it
    code: str
    language: str = Field(default="python", min_length=1, max_length=32)
    stdin: str = ""
    limits: LimitsIn | None = None
    # true: a console (answers typed while it runs, GET /execution/{id}/console); stdin unused
    console: bool = False

    model_config = InputModel.model_config | {"str_strip_whitespace": False}


class TraceRequest(InputModel):
    """Step mode: the program runs under a tracer; its result carries the steps."""

    code: str
    language: str = Field(default="python", min_length=1, max_length=32)
    stdin: str = ""

    model_config = InputModel.model_config | {"str_strip_whitespace": False}


class SubmitRequest(InputModel):
    problem_id: str = Field(min_length=1, max_length=100)
    code: str
    language: str = Field(default="python", min_length=1, max_length=32)

    model_config = InputModel.model_config | {"str_strip_whitespace": False}


JobTypeOut = Literal["run", "submit", "check", "trace", "console"]
JobStatusOut = Literal["pending", "processing", "completed", "failed"]


class TestResultOut(APIModel):
    """One test case of a submission. To a learner a hidden test carries only `passed` (and its
    hint when it failed): see `redaction`."""

    __test__ = False  # not a pytest class

    index: int
    name: str
    hidden: bool
    passed: bool
    verdict: str | None = None
    time_ms: int | None = None
    memory_kb: int | None = None
    input: str | None = None
    expected: str | None = None
    actual: str | None = None
    stderr: str | None = None
    explanation: dict[str, Any] | None = None
    hint: str | None = None  # a failed hidden test: what it checks, in the author's words
    drawing: dict[str, Any] | None = None  # a visible test of a turtle problem: the picture

    @model_serializer(mode="wrap")
    def _drop_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if v is not None}


class CompileErrorOut(APIModel):
    """A program that could not start on any test (a syntax error, a failed build): said once."""

    verdict: str
    stderr: str
    explanation: dict[str, Any] | None = None


class SubmissionResultOut(APIModel):
    passed: int
    total: int
    pass_rate: float
    verdict: str
    tests: list[TestResultOut]
    compile_error: CompileErrorOut | None = None  # then the tests carry no error of their own


class JobOut(APIModel):
    job_id: str
    type: JobTypeOut
    status: JobStatusOut
    queue: str
    problem_id: str | None = None
    language: str
    verdict: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int
    result: dict[str, Any] | None = None
    submission_result: SubmissionResultOut | None = None
    failure_reason: str | None = None


class QueueDepth(APIModel):
    queue: str
    pending: int
    processing: int


class Percentiles(APIModel):
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class StatsOut(APIModel):
    """GET /admin/stats: the pipeline's figures over the last `window_hours`."""

    window_hours: int
    queues: list[QueueDepth]
    finished: int
    completed: int
    failed: int
    success_rate: float | None
    verdicts: dict[str, int]
    sandbox_failures: int
    run_time: Percentiles
    queue_wait: Percentiles
    sampled: int


class ConsoleAnswer(InputModel):
    """One answer typed in the console: a line (its line end is added)."""

    text: str = Field(max_length=1000)

    model_config = InputModel.model_config | {"str_strip_whitespace": False}
