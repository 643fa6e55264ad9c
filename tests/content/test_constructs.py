"""The constructs table: what the AST reader sees, and the docs showing the same table."""

from __future__ import annotations

import ast
from pathlib import Path

from coderunner.content import AGE_GROUPS, load_curriculum
from coderunner.content.constructs import load_constructs, markdown_table, used
from coderunner.content.lesson_loader import load_lessons
from coderunner.content.snippets import python_blocks

DOCS = Path(__file__).parents[2] / "docs" / "curriculum.md"
BEGIN = "<!-- constructs table: generated from src/coderunner/content/constructs.yaml -->"
END = "<!-- end of constructs table -->"


def test_used_names_builtins_methods_keywords_and_syntax() -> None:
    code = (
        "import itertools\n"
        "nums = [int(x) for x in input().split()]\n"
        "for i in range(len(nums)):\n"
        "    if nums[i] % 2 == 0 and i > 0:\n"
        "        print(nums[i], end=' ')\n"
        "    elif nums[1:]:\n"
        "        total += 1\n"
        "print(*itertools.accumulate(nums), f'{3:.2f}')\n"
    )
    assert used(ast.parse(code)) == {
        "import", "=", "list comprehension", "int()", "input()", ".split()", "for", "range()",
        "len()", "if", "elif", "index", "%", "and/or", "print()", "end=", "slice", "+=", "star",
        "f-string", "format spec",
    }  # fmt: skip


def test_each_track_has_a_row_per_level() -> None:
    table = load_constructs()
    levels = load_curriculum().levels
    for group in levels.age_groups:
        assert len(table.tracks[group.age_group]) == len(group.levels), group.age_group
    assert sorted(table.tracks) == sorted(AGE_GROUPS)


def test_a_level_allows_what_it_and_earlier_levels_introduce() -> None:
    table = load_constructs()
    assert "print()" in table.allowed("7-9", 1)
    assert "for" not in table.allowed("7-9", 3)
    assert "for" in table.allowed("7-9", 4)
    assert "list comprehension" not in table.allowed("10-12", 5)
    assert "while" in table.allowed("13-16", 1)  # the fast first level


def test_the_docs_show_the_same_table() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert BEGIN in text
    assert END in text
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert shown == markdown_table(load_constructs()).strip()


# what 7-9 and 10-12 teach over ten levels; 13-16 starts without them
BASICS = {
    "input()", "int()", "if", "elif", "else", "for", "range()", "while", "list", ".append()",
    ".split()", "+=",
}  # fmt: skip


def test_the_fast_first_level_teaches_the_basics_it_allows() -> None:
    """13-16 level 1 may use the basics, so its lesson and cheatsheet show them, in a hurry."""
    curriculum = load_curriculum()
    level = curriculum.levels.level("13-16", 1)
    assert level is not None
    assert load_constructs().allowed("13-16", 1) >= BASICS
    (lesson,) = [
        loaded.lesson
        for loaded in load_lessons()
        if (loaded.lesson.age_group, loaded.lesson.level) == ("13-16", 1)
    ]
    codes = [snippet.code for snippet in lesson.snippets()] + [lesson.parsons.code]
    codes += python_blocks(curriculum.cheatsheets[level.cheatsheet].body)
    shown = set().union(*(used(ast.parse(code)) for code in codes))
    assert sorted(BASICS - shown) == []
    # the map and the lesson say so
    assert "hurry" in level.title
    assert "hurry" in lesson.title
