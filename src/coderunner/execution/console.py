"""The console on the worker: run a console job in the sandbox (in a worker thread) and relay it.

Output goes up the channel as it is printed (merged into chunks, decoded as UTF-8 across chunk
boundaries); answers and Stop come down it. Back-pressure: the sandbox reads the program's
pipes only while fewer than `OUTBOX_CHUNKS` chunks wait to be relayed, so a program that prints
faster than the channel takes blocks on its own writes; the output limit ends it either way.

A console is not retried: a second attempt would replay the learner's answers to a program
they no longer watch. It ends `failed` with a reason, and the child presses Run again.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import structlog

from coderunner.config import Settings
from coderunner.execution.console_channel import IN, OUT, ConsoleChannel
from coderunner.execution.explaining import explanation_for
from coderunner.sandbox import (
    ConsoleLimits,
    ConsoleResult,
    ConsoleRun,
    Ended,
    Limits,
    Sandbox,
)

log = structlog.get_logger("coderunner.execution.console")

OUTBOX_CHUNKS = 64
STOPPED = "STOPPED"  # the job's verdict when the learner pressed Stop
END = "end"  # the last output entry of a console
ANSWER = "answer"
STOP = "stop"
# answers and Stop are read this often (the read blocks in between)
INPUT_BLOCK_S = 1.0


def console_limits(settings: Settings) -> ConsoleLimits:
    return ConsoleLimits(idle_s=settings.console_idle_s, session_s=settings.console_session_s)


def ending_message(ended: Ended, limits: ConsoleLimits) -> str | None:
    """What the console says when it ended the program itself (a child reads it)."""
    if ended is Ended.IDLE:
        return (
            f"Your program waited {limits.idle_s:g} seconds and nothing happened, so it was "
            "stopped. Press Run and type your answer sooner."
        )
    if ended is Ended.SESSION:
        minutes = limits.session_s / 60
        return (
            f"A program can run in the console for {minutes:g} minutes at most, so it was "
            "stopped. Press Run to start again."
        )
    if ended is Ended.STOPPED:
        return "You stopped your program."
    return None


class _Relay:
    """Bridges the sandbox thread's output to the event loop, with back-pressure."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue()
        self._waiting = 0
        self._lock = threading.Lock()

    def emit(self, stream: str, data: bytes) -> None:  # sandbox thread
        with self._lock:
            self._waiting += 1
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (stream, data))

    def room(self) -> bool:  # sandbox thread
        with self._lock:
            return self._waiting < OUTBOX_CHUNKS

    def taken(self, count: int) -> None:
        with self._lock:
            self._waiting -= count

    def close(self) -> None:  # sandbox thread, once
        self.loop.call_soon_threadsafe(self.queue.put_nowait, None)


async def _pump_output(relay: _Relay, channel: ConsoleChannel, job_id: str, stop: Any) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")
    decoders = {stream: decoder("backslashreplace") for stream in ("stdout", "stderr")}
    ended = False
    while not ended:
        item = await relay.queue.get()
        batch = [item]
        while not relay.queue.empty():
            batch.append(relay.queue.get_nowait())
        merged: list[tuple[str, str]] = []
        for got in batch:
            if got is None:
                ended = True
                continue
            stream, data = got
            text = decoders[stream].decode(data).replace("\x00", "\\x00")
            if merged and merged[-1][0] == stream:
                merged[-1] = (stream, merged[-1][1] + text)
            elif text:
                merged.append((stream, text))
        if ended:
            merged += [(s, d.decode(b"", final=True)) for s, d in decoders.items()]
            merged = [m for m in merged if m[1]]
        try:
            if merged:
                await channel.add(job_id, OUT, merged)
        except Exception as exc:  # noqa: BLE001 - any relay failure: nobody sees the program
            log.warning("console_output_relay_failed", job_id=job_id, error=type(exc).__name__)
            stop()
        relay.taken(len([g for g in batch if g is not None]))


async def _pump_input(channel: ConsoleChannel, job_id: str, console: ConsoleRun) -> None:
    after = "0"
    delay = 0.2
    while True:
        try:
            entries = await channel.read(job_id, IN, after, INPUT_BLOCK_S)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a Redis blip: read again after a pause
            log.warning("console_input_relay_failed", job_id=job_id, error=type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
            continue
        delay = 0.2
        for entry_id, kind, text in entries:
            after = entry_id
            if kind == STOP:
                console.stop()
            elif kind == ANSWER:
                console.send(text.encode())


async def run_console(
    *,
    executor: Executor,
    sandbox_factory: Callable[[], Sandbox],
    channel: ConsoleChannel,
    job_id: str,
    code: str,
    language: str,
    limits: Limits | None,
    console_limits: ConsoleLimits,
) -> ConsoleResult:
    """Run the console until it ends; every output entry is in the channel when this returns.

    Raises what `sandbox_factory` raises (SandboxUnavailableError) and UnknownLanguageError.
    """
    loop = asyncio.get_running_loop()
    relay = _Relay(loop)
    console = ConsoleRun(relay.emit, relay.room, console_limits)

    def blocking() -> ConsoleResult:
        try:
            return console.run(sandbox_factory(), language, code, limits)
        finally:
            relay.close()

    output = asyncio.create_task(_pump_output(relay, channel, job_id, console.stop))
    answers = asyncio.create_task(_pump_input(channel, job_id, console))
    try:
        result = await loop.run_in_executor(executor, blocking)
        await output
    finally:
        answers.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await answers
        if not output.done():
            console.stop()
            output.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await output
        with contextlib.suppress(Exception):
            await channel.add(job_id, OUT, [(END, "")])
            await channel.finished(job_id)
    return result


def console_outcome(
    done: ConsoleResult, code: str, age_group: str | None, language: str, limits: ConsoleLimits
) -> tuple[str, dict[str, Any]]:
    """(verdict, result) of a finished console: a run's result plus how the console ended."""
    run = done.run
    data = run.to_dict()
    data.pop("internalReason", None)
    message = ending_message(done.ended, limits)
    verdict = STOPPED if done.ended is Ended.STOPPED else run.verdict.value
    data["verdict"] = verdict
    if message is None:
        explanation = explanation_for(run.stderr, run.verdict.value, code, age_group, language)
        if explanation is not None:
            data["explanation"] = explanation
    data["console"] = {"ended": done.ended.value, "idleLimitS": limits.idle_s}
    if message is not None:
        data["console"]["message"] = message
    return verdict, data
