"""Load the lesson files and the outputs the sandbox computed for their snippets.

`lessons/<ageGroup>/<level>.yaml` holds one lesson each; `lessons/outputs.lock.yaml` maps each
snippet (its code and stdin, hashed) to the output the sandbox printed for it. That file is only
ever written by `coderunner content check --update-outputs` and `content check` fails when it
is stale, so an answer is never typed by hand. Every level in `levels.yaml` needs a lesson.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from coderunner.kernel.ages import age_rank

from .lesson_schema import Lesson, Snippet, split_indent
from .loader import CONTENT_DIR, LEVELS_FILE, ContentError, _load_model, read_yaml
from .schema import LevelsFile

LESSONS_DIR = "lessons"
OUTPUTS_FILE = "outputs.lock.yaml"
_LOCK_HEADER = (
    "# Written by `coderunner content check --update-outputs`: what the sandbox printed for\n"
    "# each lesson snippet (keyed by a hash of its code and stdin). Never edit by hand.\n"
)


def snippet_key(snippet: Snippet) -> str:
    digest = hashlib.sha256(f"{snippet.code}\0{snippet.stdin}".encode())
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class LoadedLesson:
    lesson: Lesson
    path: Path
    # the computed output of `lesson.example`, then of each `lesson.predict[i]`
    outputs: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return (self.lesson.age_group, self.lesson.level)

    @property
    def example_output(self) -> str:
        return self.outputs[0]

    def answer(self, index: int) -> str:
        return self.outputs[index + 1]

    def parsons_order(self) -> list[int]:
        """The shuffled order the puzzle's lines are shown in (stable per lesson, never solved)."""
        count = len(self.lesson.parsons.lines)
        order = list(range(count))
        rng = random.Random(f"{self.lesson.age_group}/{self.lesson.level}")
        while order == list(range(count)) or _same_text(self, order):
            rng.shuffle(order)
        return order

    def choices(self, index: int) -> list[str]:
        """A choice question's options: the computed answer among its distractors, mixed."""
        question = self.lesson.predict[index]
        options = [self.answer(index).rstrip("\n"), *question.distractors]
        rng = random.Random(f"{self.lesson.age_group}/{self.lesson.level}/{index}")
        rng.shuffle(options)
        return options


def _same_text(loaded: LoadedLesson, order: list[int]) -> bool:
    lines = loaded.lesson.parsons.lines
    return [split_indent(lines[i])[1] for i in order] == [split_indent(x)[1] for x in lines]


def read_outputs(root: Path) -> dict[str, str]:
    path = root / LESSONS_DIR / OUTPUTS_FILE
    if not path.exists():
        return {}
    data = read_yaml(path) or {}
    outputs = data.get("outputs", {}) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in outputs.items()} if isinstance(outputs, dict) else {}


class _BlockDumper(yaml.SafeDumper):
    """Multi-line outputs as `|` blocks, so the lock file reads like the program's output."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and value.endswith("\n") and not value.startswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def write_outputs(root: Path, outputs: dict[str, str]) -> Path:
    path = root / LESSONS_DIR / OUTPUTS_FILE
    body = yaml.dump(
        {"outputs": dict(sorted(outputs.items()))},
        Dumper=_BlockDumper,
        allow_unicode=True,
        sort_keys=False,
    )
    path.write_text(_LOCK_HEADER + body, encoding="utf-8")
    return path


def load_lessons(
    root: Path | None = None, levels: LevelsFile | None = None, *, require_outputs: bool = True
) -> list[LoadedLesson]:
    """Every lesson under `root`, with its computed outputs; raise ContentError on any issue."""
    root = root or CONTENT_DIR
    issues: list[str] = []
    if levels is None:
        levels = _load_model(root / LEVELS_FILE, LevelsFile, root, issues)
    outputs = read_outputs(root)
    found: dict[tuple[str, int], LoadedLesson] = {}
    for path in sorted((root / LESSONS_DIR).rglob("*.yaml")):
        if path.name == OUTPUTS_FILE:
            continue
        name = path.relative_to(root).as_posix()
        lesson = _load_model(path, Lesson, root, issues)
        if lesson is None:
            continue
        expected = f"{LESSONS_DIR}/{lesson.age_group}/{lesson.level}.yaml"
        if name != expected:
            issues.append(f"{name}: ageGroup/level say the file belongs at {expected}")
            continue
        if levels is not None and levels.level(lesson.age_group, lesson.level) is None:
            issues.append(f"{name}: level: {lesson.age_group} has no level {lesson.level}")
            continue
        computed: list[str] = []
        for where, snippet in zip(_snippet_names(lesson), lesson.snippets(), strict=True):
            output = outputs.get(snippet_key(snippet))
            if output is None:
                if require_outputs:
                    issues.append(
                        f"{name}: {where}: no computed output; run "
                        "`coderunner content check --update-outputs`"
                    )
                output = ""
            computed.append(output)
        found[(lesson.age_group, lesson.level)] = LoadedLesson(lesson, path, computed)
    if levels is not None:
        for group in levels.age_groups:
            for level in group.levels:
                if (group.age_group, level.number) not in found:
                    issues.append(
                        f"{LESSONS_DIR}/{group.age_group}/{level.number}.yaml: missing "
                        "(every level opens with a lesson)"
                    )
    if issues:
        raise ContentError(issues)
    return [found[key] for key in sorted(found, key=lambda k: (age_rank(k[0]), k[1]))]


def _snippet_names(lesson: Lesson) -> list[str]:
    return ["example", *(f"predict[{i}]" for i in range(len(lesson.predict)))]
