"""Mistake-specific explanations, on real wrong programs run in the real sandbox."""

from __future__ import annotations

import pytest

from coderunner.explain.mistakes import explain_mistake
from coderunner.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

# (wrong program, its input, the expected output, the rule that must explain it, words it says)
WRONG = [
    (
        'word = input()\nprint("word")\n',
        "hello\n",
        "hello\n",
        "quoted_variable",
        "`word` in quotes",
    ),
    (
        "name = input()\nprint('Hi')\nprint('name')\n",
        "Ada\n",
        "Hi\nAda\n",
        "quoted_variable",
        "Take away the quotes",
    ),
    (
        "a = input()\nb = input()\nprint(a + b)\n",
        "2\n3\n",
        "5\n",
        "glued_numbers",
        "2 and 3 made 23",
    ),
    (
        'n = int(input("Enter a number: "))\nprint(n * 2)\n',
        "4\n",
        "8\n",
        "prompt_printed",
        "`Enter a number:`",
    ),
    ('print("hello world")\n', "", "Hello World\n", "capital_letters", "big and small letters"),
    ('print("Hello ,world")\n', "", "Hello, world\n", "moved_spaces", "wrong place"),
    ('x = 3\nprint("x =", x, "!")\n', "", "x = 3!\n", "extra_space", "an extra space"),
    ('print("a,b")\n', "", "a, b\n", "missing_space", "a missing space"),
    ('print("one")\nprint()\nprint("two")\n', "", "one\ntwo\n", "extra_blank_line", "empty line"),
    ('print("one")\nprint("two")\n', "", "one\n\ntwo\n", "missing_blank_line", "empty line"),
    (
        'n = int(input())\nprint("The answer is:")\nprint(n + 1)\n',
        "1\n",
        "2\n",
        "extra_line",
        "`The answer is:`",
    ),
    ('print("one")\n', "", "one\ntwo\n", "missing_line", "`two`"),
]


@pytest.mark.parametrize(("code", "stdin", "expected", "kind", "words"), WRONG)
def test_a_real_wrong_program_gets_its_explanation(
    real_sandbox: Sandbox, code: str, stdin: str, expected: str, kind: str, words: str
) -> None:
    run = real_sandbox.run(code, language="python", stdin=stdin)
    assert run.verdict == "OK", run
    assert run.stdout != expected
    found = explain_mistake(expected, run.stdout, code, stdin)
    assert found is not None, run.stdout
    assert found.kind == kind, found
    assert words in found.message


# wrong (or differently right) outputs no rule may claim to understand
UNEXPLAINED = [
    # a different answer, not a mistake any rule knows
    ("n = int(input())\nprint(n * 3)\n", "4\n", "8\n"),
    # the word printed is a variable name, but the expected output holds that word too
    ('word = "word"\nprint("word", 1)\n', "", "word 2\n"),
    # quoted text that is not the name of a variable
    ('name = input()\nprint("Hello")\n', "Ada\n", "Hello Ada\n"),
    # numbers added right, but the wrong numbers
    ("a = int(input())\nb = int(input())\nprint(a - b)\n", "2\n3\n", "5\n"),
    # a prompt whose words the expected output also holds
    ('x = input("Name? ")\nprint(x)\n', "Bo\n", "Name? Bo\n"),
]


@pytest.mark.parametrize(("code", "stdin", "expected"), UNEXPLAINED)
def test_no_false_explanation(real_sandbox: Sandbox, code: str, stdin: str, expected: str) -> None:
    run = real_sandbox.run(code, language="python", stdin=stdin)
    assert run.verdict == "OK", run
    assert explain_mistake(expected, run.stdout, code, stdin) is None


def test_a_right_answer_is_never_explained(real_sandbox: Sandbox) -> None:
    code = "a = int(input())\nb = int(input())\nprint(a + b)\n"
    run = real_sandbox.run(code, language="python", stdin="2\n3\n")
    assert explain_mistake("5\n", run.stdout, code, "2\n3\n") is None
    # trailing spaces and a last empty line are not a mistake under the default comparison
    assert explain_mistake("5\n", "5  \n\n", code, "2\n3\n") is None


def test_other_languages_get_only_the_output_rules() -> None:
    code = 'console.log("word");\n'
    assert explain_mistake("Hello\n", "hello\n", code, "", "javascript") is not None
    assert explain_mistake("hello\n", "word\n", code, "", "javascript") is None
