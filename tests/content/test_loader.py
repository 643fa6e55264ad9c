"""The loader on a small tree built per test, and on the real curriculum."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from coderunner.content import ContentError, load_curriculum
from coderunner.content.schema import Problem


def _problem(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "say-hi",
        "title": "Say hi",
        "ageGroup": "7-9",
        "level": 1,
        "order": 1,
        "difficulty": "easy",
        "xp": 10,
        "concepts": ["print"],
        "statement": "Print hi.",
        "starterCode": "",
        "hints": ["Use print.", "print('hi')"],
        "solution": "print('hi')\n",
        "tests": [{"input": "", "output": "hi\n", "hidden": i >= 3} for i in range(6)],
    }
    data.update(changes)
    return data


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    level = {
        "number": 1,
        "title": "First",
        "description": "d",
        "concepts": ["print"],
        "cheatsheet": "first",
    }
    group = {"ageGroup": "7-9", "title": "Young", "description": "d", "levels": [level]}
    _write(tmp_path / "levels.yaml", {"ageGroups": [group]})
    sheet = {"slug": "first", "title": "First", "ageGroup": "7-9", "level": 1, "body": "hi"}
    _write(tmp_path / "cheatsheets" / "first.yaml", sheet)
    _write(tmp_path / "problems" / "7-9" / "1" / "say-hi.yaml", _problem())
    return tmp_path


def _issues(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_curriculum(root)
    return info.value.issues


def test_a_valid_tree_loads_typed_objects(tree: Path) -> None:
    curriculum = load_curriculum(tree)
    problem = curriculum.problem("say-hi")
    assert isinstance(problem, Problem)
    assert problem.comparison.mode == "trailing"
    assert problem.comparison.tolerance == pytest.approx(1e-6)
    assert len(problem.visible_tests) == 3
    assert len(problem.hidden_tests) == 3
    assert curriculum.problems_of("7-9", 1) == [problem]
    assert curriculum.cheatsheets["first"].title == "First"


def test_too_few_hidden_tests_names_the_file(tree: Path) -> None:
    tests = [{"input": "", "output": "hi\n", "hidden": i >= 4} for i in range(6)]
    _write(tree / "problems/7-9/1/say-hi.yaml", _problem(tests=tests))
    assert _issues(tree) == [
        "problems/7-9/1/say-hi.yaml: (file): Value error, needs at least 3 hidden tests, has 2"
    ]


def test_unknown_comparison_mode_names_the_field(tree: Path) -> None:
    _write(tree / "problems/7-9/1/say-hi.yaml", _problem(comparison={"mode": "fuzzy"}))
    (issue,) = _issues(tree)
    assert issue.startswith("problems/7-9/1/say-hi.yaml: comparison.mode: Input should be")
    assert "'tokens'" in issue


def test_strict_types_refuse_a_string_tolerance(tree: Path) -> None:
    path = tree / "problems/7-9/1/say-hi.yaml"
    _write(path, _problem(comparison={"mode": "float", "tolerance": "1e-6"}))
    (issue,) = _issues(tree)
    assert issue.startswith("problems/7-9/1/say-hi.yaml: comparison.tolerance:")


def test_unknown_and_missing_keys_are_reported(tree: Path) -> None:
    data = _problem(hint=["typo"])
    del data["solution"]
    _write(tree / "problems/7-9/1/say-hi.yaml", data)
    issues = _issues(tree)
    assert "problems/7-9/1/say-hi.yaml: solution: Field required" in issues
    assert "problems/7-9/1/say-hi.yaml: hint: Extra inputs are not permitted" in issues


def test_duplicate_yaml_keys_are_refused(tree: Path) -> None:
    path = tree / "problems/7-9/1/say-hi.yaml"
    path.write_text(path.read_text() + "title: Again\n")
    (issue,) = _issues(tree)
    assert issue.startswith("problems/7-9/1/say-hi.yaml: cannot read YAML:")
    assert "duplicate key 'title'" in issue


def test_duplicate_ids_are_refused(tree: Path) -> None:
    _write(tree / "problems/7-9/1/copy.yaml", _problem())
    issues = _issues(tree)
    assert issues == [
        "problems/7-9/1/copy.yaml: id/ageGroup/level say the file belongs at "
        "problems/7-9/1/say-hi.yaml"
    ]
    other = tree / "other"
    _write(other / "problems/7-9/1/say-hi.yaml", _problem())
    _write(other / "problems/7-9/2/say-hi.yaml", _problem(level=2))
    (other / "levels.yaml").write_text((tree / "levels.yaml").read_text())
    (other / "cheatsheets").mkdir()
    (other / "cheatsheets/first.yaml").write_text((tree / "cheatsheets/first.yaml").read_text())
    issues = _issues(other)
    assert (
        "problems/7-9/2/say-hi.yaml: id: 'say-hi' is already used by problems/7-9/1/say-hi.yaml"
        in issues
    )


def test_a_level_that_does_not_exist(tree: Path) -> None:
    _write(tree / "problems/7-9/4/say-hi.yaml", _problem(level=4))
    (tree / "problems/7-9/1/say-hi.yaml").unlink()
    assert _issues(tree) == [
        "problems/7-9/4/say-hi.yaml: level: age group 7-9 has no level 4 in levels.yaml"
    ]


def test_a_missing_cheatsheet_and_a_duplicate_order(tree: Path) -> None:
    (tree / "cheatsheets/first.yaml").unlink()
    _write(tree / "problems/7-9/1/say-bye.yaml", _problem(id="say-bye"))
    issues = _issues(tree)
    assert (
        "levels.yaml: ageGroups[7-9].levels[1].cheatsheet: no cheatsheet 'first' in cheatsheets/"
        in issues
    )
    assert "problems/7-9/1/say-hi.yaml: order: 1 is already used by say-bye" in issues


def test_cheatsheet_slug_must_match_its_file(tree: Path) -> None:
    sheet = {"slug": "other", "title": "T", "ageGroup": "7-9", "level": 1, "body": "b"}
    _write(tree / "cheatsheets/first.yaml", sheet)
    issues = _issues(tree)
    assert "cheatsheets/first.yaml: slug: 'other' does not match the file name 'first'" in issues


def test_level_numbers_must_count_from_one(tree: Path) -> None:
    data = yaml.safe_load((tree / "levels.yaml").read_text())
    data["ageGroups"][0]["levels"][0]["number"] = 2
    _write(tree / "levels.yaml", data)
    issues = _issues(tree)
    assert any(
        i.startswith("levels.yaml: ageGroups.0: Value error, level numbers must be 1, 2, 3")
        for i in issues
    )


def test_wrong_solutions_rules_another_way_and_test_hints_load(tree: Path) -> None:
    tests = [
        {"input": "", "output": "hi\n", "hidden": i >= 3, "hint": "says hi" if i >= 3 else None}
        for i in range(6)
    ]
    data = _problem(
        tests=tests,
        wrongSolutions=[{"code": "print('Hi')", "why": "a capital H"}],
        rules={"forbiddenNames": ["max", "math.gcd"], "requiredDefs": ["greet"]},
        anotherWay="You could also use `sys.stdout.write`.",
    )
    _write(tree / "problems/7-9/1/say-hi.yaml", data)
    problem = load_curriculum(tree).problem("say-hi")
    assert problem is not None
    assert problem.wrong_solutions[0].why == "a capital H"
    assert problem.rules is not None
    assert problem.rules.forbidden_names == ["max", "math.gcd"]
    assert problem.rules.required_defs == ["greet"]
    assert problem.rules.max_comparisons is None
    assert problem.another_way is not None
    assert [test.hint for test in problem.hidden_tests] == ["says hi"] * 3


def test_a_rule_with_a_bad_name_is_refused(tree: Path) -> None:
    data = _problem(rules={"forbiddenNames": ["max()"]})
    _write(tree / "problems/7-9/1/say-hi.yaml", data)
    (issue,) = _issues(tree)
    assert issue.startswith("problems/7-9/1/say-hi.yaml: rules.forbiddenNames.0:")
