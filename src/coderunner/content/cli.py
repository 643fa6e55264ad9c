"""`coderunner content check` and `coderunner seed`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from .loader import ContentError, load_curriculum


@click.group("content")
def content_group() -> None:
    """The curriculum files: check them."""


@content_group.command("check")
@click.option("--only", "only", multiple=True, metavar="ID", help="Check only this problem id.")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Curriculum folder (default: the packaged content).",
)
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True)
@click.option(
    "--update-outputs",
    is_flag=True,
    help="Write the lessons' computed snippet outputs to lessons/outputs.lock.yaml.",
)
def check_command(
    only: tuple[str, ...], root: Path | None, workers: int, update_outputs: bool
) -> None:
    """Validate every file, then prove each problem in the sandbox.

    Exits 1 when a file is invalid, a solution fails a test or breaks its rules, a starter code
    or a known-wrong solution passes every test, a hint's code is not Python, code uses what its
    level has not taught, or a cheatsheet example solves a problem. Without --only it also
    checks every lesson (lesson_check.py).
    """
    from coderunner.sandbox import SandboxUnavailableError, get_sandbox

    from .check import ProblemReport, check_problems
    from .constructs import load_constructs

    try:
        curriculum = load_curriculum(root)
    except ContentError as exc:
        for issue in exc.issues:
            click.echo(f"invalid: {issue}", err=True)
        click.echo(f"content check: {len(exc.issues)} schema errors", err=True)
        sys.exit(1)
    problems = curriculum.problems
    if only:
        unknown = sorted(set(only) - {p.id for p in problems})
        if unknown:
            raise click.BadParameter(f"no problem {', '.join(unknown)}", param_hint="--only")
        problems = [p for p in problems if p.id in only]
    click.echo(
        f"schema ok: {len(curriculum.problems)} problems, {len(curriculum.cheatsheets)} "
        f"cheatsheets; running {len(problems)} problems in the sandbox"
    )
    try:
        sandbox = get_sandbox()
    except SandboxUnavailableError as exc:
        click.echo(f"content check: the sandbox is unavailable: {exc}", err=True)
        sys.exit(1)

    def show(report: ProblemReport) -> None:
        for error in report.errors:
            click.echo(f"FAIL {error}", err=True)

    from .lesson_check import run_lesson_check

    lessons_ok = True
    try:
        report = check_problems(
            problems,
            sandbox,
            workers=workers,
            on_report=show,
            cheatsheets=curriculum.cheatsheets.values(),
            constructs=load_constructs(),
        )
        if not only:
            lessons_ok = run_lesson_check(
                root,
                sandbox,
                update=update_outputs,
                echo=click.echo,
                echo_error=lambda line: click.echo(line, err=True),
            )
    finally:
        sandbox.close()
    click.echo(report.summary())
    if not (report.ok and lessons_ok):
        sys.exit(1)


@click.command("seed")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where SQLite and other state live [default: ./.data].",
)
def seed_command(data_dir: Path | None) -> None:
    """Migrate the database and load the curriculum into it (idempotent)."""
    from coderunner.config import ConfigError, load_settings

    from .seed import seed

    try:
        settings = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        report = asyncio.run(seed(settings))
    except ContentError as exc:
        for issue in exc.issues:
            click.echo(f"invalid: {issue}", err=True)
        sys.exit(1)
    click.echo(report.summary())
