"""Finding the code in hints and cheatsheets, and reading an example's values from input."""

from __future__ import annotations

from coderunner.content.snippets import code_snippets, syntax_error, with_inputs


def test_inline_statements_are_code_and_names_of_keywords_are_not() -> None:
    hint = "Use `if`, `if/elif/else` and `//`; try `for n in numbers:` then `9 10`."
    assert code_snippets(hint) == ["for n in numbers:"]


def test_fenced_blocks_are_code() -> None:
    hint = "Like this:\n\n```python\nprint(1)\n```\n"
    assert code_snippets(hint) == ["print(1)\n"]


def test_headers_and_continuations_parse_on_their_own() -> None:
    for ok in [
        "for n in numbers:",
        "else:",
        "elif x > 1:",
        "@functools.cache",
        "if b == 0: return a",
    ]:
        assert syntax_error(ok) is None, ok
    assert syntax_error("for n in numbers: if n > 0: count += 1") is not None
    assert syntax_error('if result: print(*result) else: print("none")') is not None


def test_with_inputs_reads_the_example_values() -> None:
    code = "def biggest(a, b, c):\n    return a\n\nprint(biggest(3, 9, 4))\nprint('done', 7)\n"
    adapted = with_inputs(code)
    assert adapted is not None
    assert "print(biggest(int(input()), int(input()), int(input())))" in adapted
    assert "print('done', 7)" in adapted  # what it prints stays


def test_with_inputs_keeps_start_values_and_reads_lists() -> None:
    adapted = with_inputs("total = 0\nitems = [1, 5, 9]\nname = 'Sam'\nprint(total, items, name)")
    assert adapted == (
        "total = 0\nitems = [int(x) for x in input().split()]\nname = input()\n"
        "print(total, items, name)\n"
    )
    assert with_inputs("print('hi')") is None
