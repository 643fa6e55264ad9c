"""How a language runs when graded or in the console: environment the in-sandbox harness reads.

Graded runs (`Sandbox.run_batch`): the text of Python's `input(prompt)` is not part of the
program's output, so `name = input("Your name? ")` is judged on what it prints, not on its
questions. The harness (guest/boot.py, guest/batch.py) replaces `input` with one that reads
the line and drops the prompt when `CODERUNNER_PROMPTS=hidden` is in its environment.

Console runs (`sandbox.interactive`): output reaches the learner as it is printed
(`PYTHONUNBUFFERED`), and the prompts stay where Python writes them.
"""

from __future__ import annotations

from dataclasses import replace

from .languages import Language

PROMPTS_ENV = "CODERUNNER_PROMPTS"
HIDDEN = "hidden"
# the languages whose harness knows the variable (Python's `input(prompt)`)
_WITH_PROMPTS = frozenset({"python"})
# languages that buffer a pipe's output unless told not to
_UNBUFFERED = {"python": {"PYTHONUNBUFFERED": "1"}}


def graded(language: Language) -> Language:
    """The language as grading runs it: prompts are not compared."""
    if language.key not in _WITH_PROMPTS:
        return language
    return replace(language, env={**language.env, PROMPTS_ENV: HIDDEN})


def console(language: Language) -> Language:
    """The language as the console runs it: every write reaches the pipe at once."""
    extra = _UNBUFFERED.get(language.key)
    if not extra:
        return language
    return replace(language, env={**language.env, **extra})
