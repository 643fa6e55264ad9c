"""The lesson files: their shape, the computed outputs, and the check in the real sandbox."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from coderunner.content.lesson_check import assemble, check_lesson, check_lessons
from coderunner.content.lesson_loader import (
    LESSONS_DIR,
    load_lessons,
    read_outputs,
    snippet_key,
    write_outputs,
)
from coderunner.content.lesson_schema import Lesson, Parsons
from coderunner.content.loader import CONTENT_DIR, ContentError
from coderunner.sandbox import Sandbox
from coderunner.sandbox.limits import Limits


def lesson_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ageGroup": "10-12",
        "level": 2,
        "title": "T",
        "idea": "An idea.",
        "example": {"code": "print(1)\n"},
        "predict": [
            {"kind": "choice", "code": "print(2)\n", "distractors": ["3", "4"]},
            {"kind": "type", "code": "print(5)\n"},
        ],
        "parsons": {
            "task": "Order them.",
            "code": "n = int(input())\nif n > 0:\n    print('pos')\nprint('end')\n",
            "tests": [
                {"input": "1\n", "output": "pos\nend\n"},
                {"input": "-1\n", "output": "end\n"},
            ],
        },
    }
    data.update(changes)
    return data


def test_every_level_of_every_age_group_opens_with_a_lesson() -> None:
    lessons = load_lessons()
    assert len(lessons) == 15
    for loaded in lessons:
        lesson = loaded.lesson
        assert 2 <= len(lesson.predict) <= 3, loaded.key
        assert len(loaded.outputs) == len(lesson.predict) + 1
        assert all(output.strip() for output in loaded.outputs), loaded.key
        assert any(q.kind == "choice" for q in lesson.predict), loaded.key


def test_choices_hold_the_computed_answer_and_the_order_is_shuffled() -> None:
    for loaded in load_lessons():
        for index, question in enumerate(loaded.lesson.predict):
            if question.kind == "choice":
                options = loaded.choices(index)
                assert loaded.answer(index).rstrip("\n") in options
                assert sorted(options[1:] + options[:1]) == sorted(options)
        order = loaded.parsons_order()
        assert sorted(order) == list(range(len(loaded.lesson.parsons.lines)))
        assert order != sorted(order)
        assert loaded.parsons_order() == order  # the same every time


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"predict": [{"kind": "choice", "code": "print(1)\n", "distractors": ["2"]}] * 2},
            "at least 2 distractors",
        ),
        (
            {"predict": [{"kind": "type", "code": "print(1)\n", "distractors": ["2"]}] * 2},
            "no distractors",
        ),
        ({"predict": [{"kind": "type", "code": "print(1)\n"}]}, "at least 2"),
        (
            {
                "parsons": {
                    "task": "x",
                    "code": "a = 1\n  b = 2\nprint(a)\n",
                    "tests": [{"output": "1\n"}, {"output": "1\n"}],
                }
            },
            "multiples of 4",
        ),
        (
            {
                "parsons": {
                    "task": "x",
                    "code": "a = 1\nprint(a)\n",
                    "tests": [{"output": "1\n"}, {"output": "1\n"}],
                }
            },
            "3-12 lines",
        ),
        ({"answer": "7"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_lessons_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Lesson.model_validate(lesson_data(**changes))


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return root


def test_a_missing_lesson_or_output_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    (root / LESSONS_DIR / "7-9" / "3.yaml").unlink()
    with pytest.raises(ContentError) as caught:
        load_lessons(root)
    assert any("lessons/7-9/3.yaml: missing" in issue for issue in caught.value.issues)

    root = _copy_content(tmp_path / "again")
    path = root / LESSONS_DIR / "10-12" / "2.yaml"
    data = yaml.safe_load(path.read_text())
    data["predict"][1]["code"] = "x = 4\nprint(x > 3)\n"  # edited: the stored answer is stale
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ContentError) as caught:
        load_lessons(root)
    assert caught.value.issues == [
        "lessons/10-12/2.yaml: predict[1]: no computed output; run "
        "`coderunner content check --update-outputs`"
    ]
    assert load_lessons(root, require_outputs=False)


def test_the_outputs_file_round_trips(tmp_path: Path) -> None:
    root = tmp_path
    (root / LESSONS_DIR).mkdir()
    outputs = {"a": "1\n2\n", "b": "  spaced\n", "c": "no newline", "d": "x: y\n"}
    write_outputs(root, outputs)
    assert read_outputs(root) == outputs


def test_assemble_takes_the_order_and_the_indents() -> None:
    lines = ["if x:", "    y()", "z()"]
    assert assemble(lines, [0, 1, 2]) == "if x:\n    y()\nz()\n"
    assert assemble(lines, [2, 0, 1], [0, 0, 1]) == "z()\nif x:\n    y()\n"


@dataclass
class Result:
    verdict: str
    stdout: str = ""
    stderr: str = ""


@dataclass
class TableRunner:
    """Answers from a table of (code, stdin) -> stdout; anything else is a runtime error."""

    table: dict[tuple[str, str], str]
    calls: list[str] = field(default_factory=list)

    def run(
        self, code: str, language: str = "python", stdin: str = "", limits: Limits | None = None
    ) -> Result:
        self.calls.append(code)
        if (code, stdin) in self.table:
            return Result("OK", self.table[(code, stdin)])
        return Result("RUNTIME_ERROR", stderr="NameError: name 'n' is not defined")


def test_the_check_catches_a_wrong_distractor_a_stale_answer_and_a_lax_puzzle() -> None:
    data = lesson_data()
    data["predict"][0]["distractors"] = ["2", "4"]  # "2" is what the snippet prints
    lesson = Lesson.model_validate(data)
    parsons: Parsons = lesson.parsons
    reference = parsons.code
    table = {
        ("print(1)\n", ""): "1\n",
        ("print(2)\n", ""): "2\n",
        ("print(5)\n", ""): "5\n",
        (reference, "1\n"): "pos\nend\n",
        (reference, "-1\n"): "end\n",
        # flat lines do not parse, so they are not in the table (a failure); the reversed
        # program "passes" here to prove the check notices
    }
    lines = parsons.lines
    reversed_code = assemble(lines, [3, 2, 1, 0])
    table[(reversed_code, "1\n")] = "pos\nend\n"
    table[(reversed_code, "-1\n")] = "end\n"
    from coderunner.content.lesson_loader import LoadedLesson

    loaded = LoadedLesson(lesson, Path("x.yaml"), ["1\n", "2\n", "5\n"])
    stored = {snippet_key(lesson.predict[1]): "6\n"}
    report = check_lesson(loaded, TableRunner(table), stored)
    assert report.errors == [
        "lesson 10-12/2: predict[1]: outputs.lock.yaml is stale",
        "lesson 10-12/2: predict[0]: distractor '2' is the answer",
        "lesson 10-12/2: parsons: the lines reversed pass every test",
    ]
    assert report.outputs[snippet_key(lesson.example)] == "1\n"


@pytest.mark.sandbox
def test_every_lesson_passes_its_check_in_the_real_sandbox(real_sandbox: Sandbox) -> None:
    lessons = load_lessons()
    report = check_lessons(lessons, real_sandbox, read_outputs(CONTENT_DIR))
    assert report.ok, [error for lesson in report.failed for error in lesson.errors]
    assert len(report.lessons) == 15


def test_a_lesson_uses_only_what_its_level_teaches() -> None:
    from coderunner.content.lesson_check import constructs_errors
    from coderunner.content.lesson_loader import LoadedLesson

    assert [e for loaded in load_lessons() for e in constructs_errors(loaded)] == []
    data = lesson_data(ageGroup="7-9", level=1)
    data["predict"][1]["code"] = "for i in range(2):\n    print(i)\n"
    data["parsons"]["code"] = "n = input()\nprint(n)\nprint(n + n)\n"
    loaded = LoadedLesson(Lesson.model_validate(data), Path("x.yaml"), ["1\n", "2\n", "0\n1\n"])
    assert constructs_errors(loaded) == [
        "lesson 7-9/1: predict[1] uses what level 1 has not taught yet: "
        "`for` (track 7-9 teaches it in level 4), `range()` (track 7-9 teaches it in level 4)"
    ]
