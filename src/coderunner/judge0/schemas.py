"""Judge0's request bodies (snake_case, as Judge0 clients send them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SubmissionIn(BaseModel):
    """POST /submissions. Fields Judge0 has and we don't use are accepted and ignored (listed in
    docs/judge0.md); those that would change what runs in a way we never allow are refused."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    source_code: str | None = None
    language_id: int | None = None
    stdin: str | None = None
    expected_output: str | None = None
    cpu_time_limit: float | None = Field(default=None, gt=0)
    cpu_extra_time: float | None = Field(default=None, ge=0)
    wall_time_limit: float | None = Field(default=None, gt=0)
    memory_limit: float | None = Field(default=None, gt=0)  # kilobytes
    stack_limit: int | None = None
    max_processes_and_or_threads: int | None = None
    enable_per_process_and_thread_time_limit: bool | None = None
    enable_per_process_and_thread_memory_limit: bool | None = None
    max_file_size: int | None = None
    redirect_stderr_to_stdout: bool | None = None
    number_of_runs: int | None = None
    compiler_options: str | None = None
    command_line_arguments: str | None = None
    additional_files: str | None = None
    enable_network: bool | None = None
    callback_url: str | None = None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    submissions: list[SubmissionIn] = Field(min_length=1)


class TokenOut(BaseModel):
    """A created submission (POST /submissions without ?wait, one item of a batch)."""

    token: str
