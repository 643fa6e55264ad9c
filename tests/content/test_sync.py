"""Syncing the curriculum into a migrated SQLite file: new, changed, removed, idempotent."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.cheatsheets.models import Cheatsheet
from coderunner.content import CONTENT_DIR, load_curriculum
from coderunner.content.cli import seed_command
from coderunner.content.sync import sync_content
from coderunner.db.engine import create_engine_for_url, create_sessionmaker
from coderunner.db.migrate import upgrade_url
from coderunner.lessons.models import Lesson
from coderunner.levels.models import Level
from coderunner.problems.models import Problem, TestCase
from tests.support.env import scratch_database


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_url(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_url(migrated: Path, tmp_path: Path) -> str:
    path = tmp_path / "sync.db"
    shutil.copy(migrated, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with scratch_database("coderunner_content") as url:
        upgrade_url(url)
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    name = "database_url" if request.param == "sqlite" else "postgres_url"
    found: str = request.getfixturevalue(name)
    return found


@pytest.fixture
async def session(url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine_for_url(url)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the real curriculum that a test may change."""
    root = tmp_path / "content"
    root.mkdir()
    shutil.copy(CONTENT_DIR / "levels.yaml", root / "levels.yaml")
    shutil.copytree(CONTENT_DIR / "problems", root / "problems")
    shutil.copytree(CONTENT_DIR / "cheatsheets", root / "cheatsheets")
    shutil.copytree(CONTENT_DIR / "lessons", root / "lessons")
    return root


async def count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_fresh_database_gets_everything_and_a_second_sync_changes_nothing(
    session: AsyncSession,
) -> None:
    curriculum = load_curriculum()
    first = await sync_content(session)
    await session.commit()
    levels = sum(len(group.levels) for group in curriculum.levels.age_groups)
    # every level has its lesson
    things = 2 * levels + len(curriculum.cheatsheets) + len(curriculum.problems)
    assert len(first.created) == things
    assert (first.updated, first.unpublished, first.removed) == ([], [], [])
    assert await count(session, Problem) == len(curriculum.problems)
    assert await count(session, TestCase) == sum(len(p.tests) for p in curriculum.problems)
    assert await count(session, Level) == levels
    assert await count(session, Cheatsheet) == len(curriculum.cheatsheets)

    row = await session.get(Problem, "fast-fibonacci")
    assert row is not None
    assert row.source == "content"
    assert row.is_published
    assert row.limits == {"timeLimitS": 2.0}
    assert row.comparison == {"mode": "trailing", "tolerance": 1e-6}
    assert row.reference_solution.startswith("from functools import cache")
    hidden = await session.scalars(
        select(TestCase.hidden).where(TestCase.problem_id == "fast-fibonacci")
    )
    assert list(hidden) == [False, False, False, True, True, True]

    second = await sync_content(session)
    await session.commit()
    assert not second.changed
    assert second.unchanged == len(first.created)


async def test_changed_new_and_removed_content(session: AsyncSession, content: Path) -> None:
    await sync_content(session)
    session.add(Lesson(age_group="10-12", level_number=99, title="No file", content={}))
    await session.commit()

    path = content / "problems/7-9/1/hello-you.yaml"
    data = yaml.safe_load(path.read_text())
    data["title"] = "Hello there"
    data["tests"][0]["output"] = "Hello, Mia!!\n"
    data["tests"].append(
        {
            "name": "extra",
            "input": "Zed\n",
            "output": "Hello, Zed!\n",
            "hidden": True,
            "hint": "a short name",
        }
    )
    data["rules"] = {"forbiddenNames": ["eval"], "requiredDefs": []}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    (content / "problems/7-9/1/echo-echo.yaml").unlink()
    new = yaml.safe_load((content / "problems/7-9/1/star-frame.yaml").read_text())
    new.update(id="star-frame-two", order=9)
    (content / "problems/7-9/1/star-frame-two.yaml").write_text(yaml.safe_dump(new))
    (content / "cheatsheets/algorithms.yaml").unlink()
    levels = yaml.safe_load((content / "levels.yaml").read_text())
    levels["ageGroups"][2]["levels"][4]["cheatsheet"] = "dictionaries"
    levels["ageGroups"][0]["levels"][0]["title"] = "Hi, Python!"
    (content / "levels.yaml").write_text(yaml.safe_dump(levels, sort_keys=False))

    report = await sync_content(session, load_curriculum(content))
    await session.commit()
    assert report.created == ["problem star-frame-two"]
    assert sorted(report.updated) == ["level 13-16/5", "level 7-9/1", "problem hello-you"]
    assert report.unpublished == ["problem echo-echo"]
    assert report.removed == ["cheatsheet algorithms", "lesson 10-12/99"]

    session.expire_all()
    hello = await session.get(Problem, "hello-you")
    assert hello is not None
    assert hello.title == "Hello there"
    outputs = list(
        await session.scalars(
            select(TestCase.expected_output)
            .where(TestCase.problem_id == "hello-you")
            .order_by(TestCase.position)
        )
    )
    assert outputs[0] == "Hello, Mia!!\n"
    assert outputs[-1] == "Hello, Zed!\n"
    assert len(outputs) == 7
    hints = list(
        await session.scalars(
            select(TestCase.hint)
            .where(TestCase.problem_id == "hello-you")
            .order_by(TestCase.position)
        )
    )
    assert hints[-1] == "a short name"
    assert hello.rules == {"forbiddenNames": ["eval"], "requiredDefs": []}
    echo = await session.get(Problem, "echo-echo")
    assert echo is not None
    assert not echo.is_published  # kept, so learners' progress on it survives
    assert await session.get(Cheatsheet, "algorithms") is None
    assert await session.get(Lesson, ("10-12", 99)) is None

    again = await sync_content(session, load_curriculum(content))
    await session.commit()
    assert not again.changed

    back = await sync_content(session)  # the original files: echo-echo comes back
    await session.commit()
    assert "problem echo-echo" in back.updated
    assert "problem star-frame-two" in back.unpublished
    assert "cheatsheet algorithms" in back.created


async def test_authored_problems_are_never_touched(session: AsyncSession) -> None:
    session.add(Problem(id="my-own", age_group="7-9", level_number=1, title="Mine"))
    session.add(
        Problem(id="say-it-back", age_group="7-9", level_number=1, title="Teacher's version")
    )
    await session.commit()

    report = await sync_content(session)
    await session.commit()
    assert report.conflicts == ["say-it-back"]
    assert "skipped (authored in the app): say-it-back" in report.summary()
    session.expire_all()
    mine = await session.get(Problem, "my-own")
    theirs = await session.get(Problem, "say-it-back")
    assert mine is not None
    assert theirs is not None
    assert (mine.is_published, mine.source) == (True, "authored")
    assert (theirs.title, theirs.source) == ("Teacher's version", "authored")
    cases = await session.scalar(
        select(func.count()).select_from(TestCase).where(TestCase.problem_id == "say-it-back")
    )
    assert cases == 0


def test_the_seed_command_migrates_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CODERUNNER_ENV", "development")
    runner = CliRunner()
    curriculum = load_curriculum()
    levels = sum(len(group.levels) for group in curriculum.levels.age_groups)
    # levels, their lessons, cheatsheets and problems
    things = 2 * levels + len(curriculum.cheatsheets) + len(curriculum.problems)
    first = runner.invoke(seed_command, ["--data-dir", str(tmp_path / "data")])
    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"content sync: {things} created, 0 updated")
    second = runner.invoke(seed_command, ["--data-dir", str(tmp_path / "data")])
    assert second.exit_code == 0, second.output
    assert second.output.startswith(
        f"content sync: 0 created, 0 updated, 0 unpublished, 0 removed, {things} unchanged"
    )
    assert (tmp_path / "data" / "coderunner.db").is_file()
