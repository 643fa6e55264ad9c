"""Repositories own every query: no other module builds a SQL statement or runs one.

A module that reads or writes tables asks its domain's `repository.py` (or, for a table the
domain does not own, joins it there: tables are the shared data layer, ADR 0010). Services,
routers, the worker and the pipeline hold rules and transactions, not statements.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "coderunner"
# what builds a statement (sqlalchemy's select(), update(), text(), func.count(), ...)
BUILDERS = frozenset(
    {"select", "insert", "update", "delete", "text", "exists", "func", "union", "union_all"}
)
# modules that are repositories by another name, or probes at the edge, each with its reason
ALLOWED: dict[str, str] = {
    "db/": "the engine, migrations and the health heartbeat's own table",
    "auth/revocation.py": "the revoked-token store: auth's repository of `revoked_tokens`",
    "api/health.py": "`SELECT 1`: the health probe of the database itself",
    "execution/cli.py": "the worker's start-up probe that the jobs table exists",
}


# what runs a statement or a primary-key lookup on a session (or a connection)
RUNNERS = frozenset(
    {"get", "get_one", "delete", "execute", "scalar", "scalars", "stream", "stream_scalars"}
)


def _is_repository(where: str) -> bool:
    return where.endswith(("/repository.py", "/models.py")) or "/migrations/" in where


def _statement_builders(path: Path, root: Path = SRC) -> list[str]:
    where = str(path.relative_to(root))
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found.extend(
                f"{where}:{node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name in BUILDERS
            )
    return found


def _is_session(node: ast.expr) -> bool:
    """A name that holds a session or a connection: `session`, `self._session`, `conn`."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return "session" in name.lower() or name in {"conn", "connection", "reading"}


def _session_queries(path: Path, root: Path = SRC) -> list[str]:
    where = str(path.relative_to(root))
    return [
        f"{where}:{node.lineno}: {ast.unparse(node.func)}()"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RUNNERS
        and _is_session(node.func.value)
    ]


def _outside_repositories(allowed: dict[str, str]) -> list[Path]:
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        if not _is_repository(str(path.relative_to(SRC)))
        and not str(path.relative_to(SRC)).startswith(tuple(allowed))
    ]


def test_the_scan_finds_a_statement(tmp_path: Path) -> None:
    sample = tmp_path / "service.py"
    sample.write_text("from sqlalchemy import exc, select\nfrom sqlalchemy.sql import update\n")
    assert _statement_builders(sample, tmp_path) == [
        "service.py:1: from sqlalchemy import select",
        "service.py:2: from sqlalchemy.sql import update",
    ]


def test_the_scan_finds_a_query_on_a_session(tmp_path: Path) -> None:
    sample = tmp_path / "service.py"
    sample.write_text(
        "async def f(session, self, redis, users):\n"
        "    await session.get(User, 1)\n"
        "    await self._session.delete(user)\n"
        "    await session.scalars(stmt)\n"
        "    await redis.get('key')\n"
        "    users.get(1)\n"
        "    session.add(user)\n"
    )
    assert _session_queries(sample, tmp_path) == [
        "service.py:2: session.get()",
        "service.py:3: self._session.delete()",
        "service.py:4: session.scalars()",
    ]


def test_only_repositories_build_statements() -> None:
    found = [hit for path in _outside_repositories(ALLOWED) for hit in _statement_builders(path)]
    assert found == [], "move these queries into the domain's repository.py:\n" + "\n".join(found)


def test_only_repositories_run_queries() -> None:
    found = [hit for path in _outside_repositories(ALLOWED) for hit in _session_queries(path)]
    assert found == [], (
        "call a named function of the domain's repository.py instead (a primary-key lookup or a "
        "delete too):\n" + "\n".join(found)
    )


def test_every_allowance_is_still_needed() -> None:
    for prefix in ALLOWED:
        paths = [p for p in SRC.rglob("*.py") if str(p.relative_to(SRC)).startswith(prefix)]
        assert any(_statement_builders(p) for p in paths), f"{prefix}: no query left, drop it"
