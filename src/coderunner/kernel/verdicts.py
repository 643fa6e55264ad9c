"""What a job says of the code it ran: the one list of verdicts.

A run ends with what the sandbox saw (`OK`, or why the program stopped: the sandbox's own
`coderunner.sandbox.Verdict`, the same values, which the sandbox keeps apart because it knows
nothing of grading). Grading turns a run into a test's verdict: `ACCEPTED` or `WRONG_ANSWER`
when the program finished, else the run's verdict. A learner who failed only hidden tests is
told `HIDDEN_TEST_FAILED`, never how the hidden test failed.
"""

from __future__ import annotations

import enum


class Verdict(enum.StrEnum):
    # a run
    OK = "OK"
    # a graded test or a whole submission
    ACCEPTED = "ACCEPTED"
    WRONG_ANSWER = "WRONG_ANSWER"
    HIDDEN_TEST_FAILED = "HIDDEN_TEST_FAILED"
    # why a program did not finish (a run, or a test that ran it)
    TIME_LIMIT_EXCEEDED = "TIME_LIMIT_EXCEEDED"
    MEMORY_LIMIT_EXCEEDED = "MEMORY_LIMIT_EXCEEDED"
    OUTPUT_LIMIT_EXCEEDED = "OUTPUT_LIMIT_EXCEEDED"
    RUNTIME_ERROR = "RUNTIME_ERROR"
    COMPILATION_ERROR = "COMPILATION_ERROR"
    # the platform failed, not the program
    INTERNAL_ERROR = "INTERNAL_ERROR"

    @property
    def good(self) -> bool:
        """The program did what was asked (a run finished, or every test passed)."""
        return self in (Verdict.OK, Verdict.ACCEPTED)


# the verdicts a second run of the same code may change (a busy machine; our own failure)
UNSTEADY_VERDICTS = frozenset({Verdict.TIME_LIMIT_EXCEEDED, Verdict.INTERNAL_ERROR})
