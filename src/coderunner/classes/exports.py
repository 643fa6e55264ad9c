"""CSV exports of a class's progress and of a challenge's results.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula, so
such cells get a leading apostrophe ("CSV injection"); usernames and titles are the only text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from coderunner.classes.schemas import ChallengeResultsOut, GridOut

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def progress_csv(grid: GridOut) -> str:
    header: list[object] = ["username", "solved", "attempted", "needs help", "open levels"]
    header += [f"L{p.level_number} {p.title}" for p in grid.problems]
    rows = []
    for learner in grid.learners:
        row: list[object] = [
            learner.username,
            learner.solved,
            learner.attempted,
            "; ".join(h.message for h in learner.help),
            " ".join(str(n) for n in learner.open_levels),
        ]
        for problem in grid.problems:
            cell = learner.cells.get(problem.id)
            if cell is None:
                row.append("not started")
            else:
                row.append(f"{cell.status.replace('_', ' ')} ({cell.attempts} tries)")
        rows.append(row)
    return to_csv(header, rows)


def results_csv(results: ChallengeResultsOut) -> str:
    problems = results.challenge.problems
    header: list[object] = ["rank", "username", "solved", "minutes"]
    header += [p.title for p in problems]
    rows = []
    for row in results.rows:
        line: list[object] = [row.rank, row.name, row.solved, row.minutes]
        line += ["yes" if p.id in row.solved_problems else "" for p in problems]
        rows.append(line)
    return to_csv(header, rows)
