"""What a learner may see of a graded submission: hidden tests say passed or not, nothing more.

Everything else a hidden test's result carries depends on its input: the time and memory the
program used, the verdict kind (a program can run out of time or memory on purpose, depending on
the input), its output and stderr. A program can turn any of these into bits of the input, so a
learner sees none of them, only the author's hint when the test failed. The submission's verdict
is the first failing visible test's; when only hidden tests failed it is `HIDDEN_TEST_FAILED`,
whatever they failed with. Teachers and admins see every detail.

Nor does a learner see when a submission ran (`startedAt`, `finishedAt`): their difference is the
time of the whole batch, hidden tests included, and a program can sleep as long as a hidden
input says. A submission's `createdAt` (when the learner sent it) stays. A run's times stay too:
its only input is the learner's own.
"""

from __future__ import annotations

from coderunner.auth.models import Role
from coderunner.execution.schemas import JobOut, SubmissionResultOut, TestResultOut
from coderunner.kernel.verdicts import Verdict

STAFF = frozenset({Role.TEACHER, Role.ADMIN})
HIDDEN_TEST_FAILED = Verdict.HIDDEN_TEST_FAILED.value


def _hidden(test: TestResultOut) -> TestResultOut:
    return TestResultOut(
        index=test.index,
        name=test.name,
        hidden=True,
        passed=test.passed,
        hint=None if test.passed else test.hint,
    )


def learner_verdict(result: SubmissionResultOut) -> str:
    """The first failing visible test's verdict; a fixed one when only hidden tests failed."""
    for test in sorted(result.tests, key=lambda t: t.index):
        if not test.passed and not test.hidden:
            return test.verdict or HIDDEN_TEST_FAILED
    if any(not test.passed for test in result.tests):
        return HIDDEN_TEST_FAILED
    return result.verdict


def for_viewer(job: JobOut, role: Role | str) -> JobOut:
    """The job as this viewer may see it (staff: unchanged)."""
    if role in STAFF:
        return job
    if job.type == "submit":
        # before the result exists (or when the job failed) nobody knows which tests were hidden
        job = job.model_copy(update={"started_at": None, "finished_at": None})
    result = job.submission_result
    if result is None:
        return job
    verdict = learner_verdict(result)
    redacted = result.model_copy(
        update={
            "verdict": verdict,
            "tests": [_hidden(t) if t.hidden else t for t in result.tests],
        }
    )
    update: dict[str, object] = {"submission_result": redacted}
    if job.verdict == result.verdict:
        update["verdict"] = verdict
    return job.model_copy(update=update)
