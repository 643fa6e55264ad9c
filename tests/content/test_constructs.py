"""The constructs table: what the AST reader sees, and the docs showing the same table."""

from __future__ import annotations

import ast
from pathlib import Path

from coderunner.content import AGE_GROUPS, load_curriculum
from coderunner.content.constructs import load_constructs, markdown_table, used

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
