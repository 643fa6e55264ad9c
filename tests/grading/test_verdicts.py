"""One list of verdicts: the kernel's, which the sandbox's run verdicts are part of."""

from __future__ import annotations

import ast
from pathlib import Path

from coderunner.kernel.verdicts import Verdict
from coderunner.sandbox import Verdict as RunVerdict

SRC = Path(__file__).resolve().parents[2] / "src" / "coderunner"
# where a verdict's text may be written out: its definition, and the sandbox (which knows
# nothing of the kernel and keeps its own enum of the run verdicts)
OWNERS = ("kernel/verdicts.py", "sandbox/")
# the same words meaning something else: the API's error code for a server error
NOT_VERDICTS = {("api/errors.py", "INTERNAL_ERROR")}


def test_every_run_verdict_is_a_verdict_of_the_same_text() -> None:
    for run_verdict in RunVerdict:
        assert Verdict(run_verdict.value).value == run_verdict.value


def test_no_verdict_is_written_out_as_a_string() -> None:
    texts = {verdict.value for verdict in Verdict}
    found = []
    for path in sorted(SRC.rglob("*.py")):
        where = str(path.relative_to(SRC))
        if where.startswith(OWNERS):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and node.value in texts
                and (where, node.value) not in NOT_VERDICTS
            ):
                found.append(f"{where}:{node.lineno}: {node.value!r}")
    assert found == [], "use coderunner.kernel.verdicts.Verdict:\n" + "\n".join(found)
