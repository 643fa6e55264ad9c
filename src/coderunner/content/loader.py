"""Load and validate the whole curriculum tree, collecting every problem with its file and field.

`load_curriculum()` returns typed objects or raises `ContentError` whose `issues` list says, one
line each, which file and which field is wrong and why.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .schema import Cheatsheet, LevelsFile, Problem

CONTENT_DIR = Path(__file__).parent
LEVELS_FILE = "levels.yaml"
PROBLEMS_DIR = "problems"
CHEATSHEETS_DIR = "cheatsheets"

ModelT = TypeVar("ModelT", bound=BaseModel)


class ContentError(Exception):
    """The curriculum files are invalid; `issues` holds one message per problem found."""

    def __init__(self, issues: list[str]) -> None:
        self.issues = issues
        super().__init__("\n".join(issues))


@dataclass(frozen=True)
class Curriculum:
    levels: LevelsFile
    problems: list[Problem]
    cheatsheets: dict[str, Cheatsheet]
    root: Path = CONTENT_DIR
    files: dict[str, Path] = field(default_factory=dict)  # problem id -> its file

    def problem(self, problem_id: str) -> Problem | None:
        return next((p for p in self.problems if p.id == problem_id), None)

    def problems_of(self, age_group: str, level: int) -> list[Problem]:
        found = [p for p in self.problems if p.age_group == age_group and p.level == level]
        return sorted(found, key=lambda p: p.order)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Hashable, Any]:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(file)"
        lines.append(f"{where}: {item['msg']}")
    return lines


def _load_model(path: Path, model: type[ModelT], root: Path, issues: list[str]) -> ModelT | None:
    name = path.relative_to(root).as_posix()
    try:
        data = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        issues.append(f"{name}: cannot read YAML: {exc}")
        return None
    if not isinstance(data, dict):
        issues.append(f"{name}: expected a mapping at the top level, got {type(data).__name__}")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues.extend(f"{name}: {line}" for line in _describe(exc))
        return None


def load_curriculum(root: Path | None = None) -> Curriculum:
    """Load `levels.yaml`, every problem and every cheatsheet under `root`; raise ContentError."""
    root = root or CONTENT_DIR
    issues: list[str] = []
    levels = _load_model(root / LEVELS_FILE, LevelsFile, root, issues)
    cheatsheets = _load_cheatsheets(root, issues)
    problems, files = _load_problems(root, issues)
    if levels is not None:
        _cross_check(root, levels, problems, files, cheatsheets, issues)
    if issues or levels is None:
        raise ContentError(issues)
    return Curriculum(levels, problems, cheatsheets, root, files)


def _load_cheatsheets(root: Path, issues: list[str]) -> dict[str, Cheatsheet]:
    found: dict[str, Cheatsheet] = {}
    for path in sorted((root / CHEATSHEETS_DIR).glob("*.yaml")):
        sheet = _load_model(path, Cheatsheet, root, issues)
        if sheet is None:
            continue
        if sheet.slug != path.stem:
            issues.append(
                f"{path.relative_to(root).as_posix()}: slug: {sheet.slug!r} "
                f"does not match the file name {path.stem!r}"
            )
            continue
        found[sheet.slug] = sheet
    return found


def _load_problems(root: Path, issues: list[str]) -> tuple[list[Problem], dict[str, Path]]:
    problems: list[Problem] = []
    files: dict[str, Path] = {}
    for path in sorted((root / PROBLEMS_DIR).rglob("*")):
        if path.is_dir():
            continue
        name = path.relative_to(root).as_posix()
        if path.suffix != ".yaml":
            issues.append(f"{name}: not a .yaml file (problems are problems/<ageGroup>/<level>/)")
            continue
        problem = _load_model(path, Problem, root, issues)
        if problem is None:
            continue
        expected = f"{PROBLEMS_DIR}/{problem.age_group}/{problem.level}/{problem.id}.yaml"
        if name != expected:
            issues.append(f"{name}: id/ageGroup/level say the file belongs at {expected}")
            continue
        if problem.id in files:
            other = files[problem.id].relative_to(root).as_posix()
            issues.append(f"{name}: id: {problem.id!r} is already used by {other}")
            continue
        files[problem.id] = path
        problems.append(problem)
    return problems, files


def _cross_check(
    root: Path,
    levels: LevelsFile,
    problems: list[Problem],
    files: dict[str, Path],
    cheatsheets: dict[str, Cheatsheet],
    issues: list[str],
) -> None:
    for group in levels.age_groups:
        for level in group.levels:
            if level.cheatsheet not in cheatsheets:
                issues.append(
                    f"{LEVELS_FILE}: ageGroups[{group.age_group}].levels[{level.number}]."
                    f"cheatsheet: no cheatsheet {level.cheatsheet!r} in {CHEATSHEETS_DIR}/"
                )
    for sheet in cheatsheets.values():
        if levels.level(sheet.age_group, sheet.level) is None:
            issues.append(
                f"{CHEATSHEETS_DIR}/{sheet.slug}.yaml: level: age group {sheet.age_group} "
                f"has no level {sheet.level} in {LEVELS_FILE}"
            )
    orders: dict[tuple[str, int, int], str] = {}
    for problem in problems:
        name = files[problem.id].relative_to(root).as_posix()
        if levels.level(problem.age_group, problem.level) is None:
            issues.append(
                f"{name}: level: age group {problem.age_group} has no level {problem.level} "
                f"in {LEVELS_FILE}"
            )
        key = (problem.age_group, problem.level, problem.order)
        if key in orders:
            issues.append(f"{name}: order: {problem.order} is already used by {orders[key]}")
        else:
            orders[key] = problem.id
