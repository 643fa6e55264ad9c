"""The teacher's authoring pages without a server: the check's sentences, the form's language and
drawing fields, and the friendly words for the API's refusals."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData
from starlette.requests import Request

from coderunner.execution.schemas import CompileErrorOut, SubmissionResultOut, TestResultOut
from coderunner.web.api_client import ApiError
from coderunner.web.checking import checks_of
from coderunner.web.routes.teach import _form_errors, authoring_languages, problem_from_form
from coderunner.web.routes.teach_errors import friendly_message, way_back


def _result(*tests: TestResultOut, compile_error: str | None = None) -> SubmissionResultOut:
    return SubmissionResultOut(
        passed=sum(t.passed for t in tests),
        total=len(tests),
        pass_rate=0.0,
        verdict="WRONG_ANSWER",
        tests=list(tests),
        compile_error=CompileErrorOut(verdict="COMPILATION_ERROR", stderr=compile_error)
        if compile_error
        else None,
    )


def _test(index: int, verdict: str, **fields: object) -> TestResultOut:
    data: dict[str, object] = {
        "index": index,
        "name": f"Test {index + 1}",
        "hidden": False,
        "passed": verdict == "ACCEPTED",
        "verdict": verdict,
        **fields,
    }
    return TestResultOut.model_validate(data)


def test_each_test_is_reported_in_plain_words() -> None:
    checks = checks_of(
        _result(
            _test(0, "ACCEPTED", expected="6\n", actual="6\n"),
            _test(1, "WRONG_ANSWER", expected="15\n", actual="6\n", name="big one"),
            _test(2, "WRONG_ANSWER", expected="a\nb\n", actual="a\n"),
            _test(3, "RUNTIME_ERROR", stderr="ValueError: bad", hidden=True),
            _test(4, "WRONG_ANSWER", expected="1\n", actual=""),
            # a run that finished but was not graded passed: never "failed (OK)"
            _test(5, "OK", expected="1\n", actual="1\n"),
        )
    )
    said = [f"{c.label}: {c.words}" for c in checks]
    assert said == [
        "Test 1: passed",
        "Test 2 (big one): your solution printed “6”, the test expects “15”",
        "Test 3: your solution printed something other than what the test expects (below)",
        "Test 4: your solution stopped with an error",
        "Test 5: your solution printed nothing, the test expects “1”",
        "Test 6: your solution did not pass this test",
    ]
    assert [c.shows_outputs for c in checks] == [False, False, True, False, False, False]
    assert checks[3].hidden
    assert checks[3].stderr == "ValueError: bad"
    assert not any("OK" in s for s in said)


def test_a_drawing_says_how_the_picture_differs_and_a_build_error_is_told_once() -> None:
    drawn = checks_of(
        _result(
            _test(0, "WRONG_ANSWER", explanation={"message": "One line is missing."}),
        ),
        drawing=True,
    )
    assert drawn[0].words == "your solution drew a different picture: One line is missing"
    assert not drawn[0].shows_outputs
    built = checks_of(
        _result(
            _test(0, "COMPILATION_ERROR"),
            _test(1, "COMPILATION_ERROR"),
            compile_error="Main.java:1: error: ';' expected",
        )
    )
    assert [c.words for c in built] == ["your solution did not compile"] * 2
    assert [c.stderr for c in built] == ["Main.java:1: error: ';' expected", ""]


def _form(**fields: str) -> FormData:
    base = {
        "title": "Double it",
        "ageGroup": "7-9",
        "levelNumber": "2",
        "statement": "Print twice the number.",
        "referenceSolution": "print(int(input()) * 2)\r\n",
        "language": "python",
        "comparison": "trailing",
        "test-0-input": "2",
        "test-0-output": "4",
        "test-0-name": "",
        "test-1-input": "",
        "test-1-output": "",
        "isPublished": "on",
    }
    return FormData(list({**base, **fields}.items()))


def test_the_form_carries_language_other_languages_drawing_hints_and_drafts() -> None:
    names = [lang["id"] for lang in authoring_languages()]
    assert names[0] == "python"
    assert {"javascript", "java"} <= set(names)
    problem = problem_from_form(
        _form(
            **{
                "also-javascript": "on",
                "also-javascript-starterCode": "// go\r\n",
                "also-javascript-solution": "console.log(2 * 2);",
                "also-java-solution": "ignored: not ticked",
                "also-python": "on",  # the problem's own language is not an "other" one
                "test-0-hidden": "on",
                "test-0-hint": "a small number",
                "test-1-input": "3",
                "test-1-output": "6",
            }
        )
    )
    assert problem["language"] == "python"
    assert problem["referenceSolution"] == "print(int(input()) * 2)\n"
    assert problem["otherLanguages"] == {
        "javascript": {"starterCode": "// go\n", "solution": "console.log(2 * 2);"}
    }
    assert problem["tests"][0]["hint"] == "a small number"
    assert "hint" not in problem["tests"][1]
    assert problem["isPublished"] is True
    assert _form_errors(problem) == []

    draft = problem_from_form(_form(isPublished=""))
    assert draft["isPublished"] is False

    turtle = problem_from_form(
        _form(comparison="drawing", colours="", **{"test-0-output": "ignored", "test-1-name": "x"})
    )
    assert turtle["comparison"]["mode"] == "drawing"
    assert turtle["comparison"]["colours"] is False
    # a drawing's tests need no expected output, and a named row without input counts
    assert [(t["input"], t["expectedOutput"]) for t in turtle["tests"]] == [("2", ""), ("", "")]
    assert _form_errors(turtle) == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"comparison": "drawing", "language": "javascript"}, "Turtle drawings work in Python"),
        (
            {"comparison": "drawing", "also-java": "on", "also-java-solution": "x"},
            "untick the other languages",
        ),
        ({"also-java": "on"}, "Add the Java solution"),
        ({"language": "cobol"}, "Pick the language"),
    ],
)
def test_the_form_refuses_what_cannot_be_checked(fields: dict[str, str], error: str) -> None:
    errors = _form_errors(problem_from_form(_form(**fields)))
    assert any(error in e for e in errors), errors


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (
            ApiError(404, "NOT_FOUND", "no such level"),
            "That level doesn't exist in this age group yet.",
        ),
        (ApiError(404, "NOT_FOUND", "no such learner in this class"), "isn't in this class"),
        (
            ApiError(
                422, "VALIDATION_ERROR", "levelNumber: Input should be less than or equal to 1000"
            ),
            "Something in the form needs fixing: the level number should be less than or "
            "equal to 1000.",
        ),
        (
            ApiError(422, "VALIDATION_ERROR", "tests.0.expectedOutput: Field required"),
            "the test 1, expected output is missing.",
        ),
        (ApiError(503, "API_UNREACHABLE", "down"), "taking a short break"),
        (ApiError(503, "QUEUE_FULL", "queue full"), "taking a short break"),
        (ApiError(422, "CLASS_PROBLEM", "This puzzle stays in its class."), "stays in its class"),
        (ApiError(403, "FORBIDDEN", "not a teacher of this class"), "isn't open to you"),
    ],
)
def test_api_refusals_become_sentences(exc: ApiError, said: str) -> None:
    message = friendly_message(exc)
    assert said in message
    assert exc.code not in message


def _request(method: str, path: str) -> Request:
    scope = {"type": "http", "method": method, "path": path, "query_string": b"", "headers": []}
    return Request(scope)


@pytest.mark.parametrize(
    ("method", "path", "status", "back"),
    [
        ("POST", "/teach/learners/unlock", 404, "/teach/learners"),
        # a teacher who is not an admin: the learners page itself is closed to them
        ("GET", "/teach/learners", 403, "/teach/classes"),
        ("POST", "/teach/classes/c1/unlocks", 404, "/teach/classes/c1"),
        ("GET", "/teach/classes/c1", 404, "/teach/classes"),
        ("GET", "/teach/classes/c1/learners/u/problems/p", 404, "/teach/classes/c1"),
        ("GET", "/teach/problems/p1/edit", 404, "/teach/problems"),
        ("GET", "/teach/problems/p1/preview", 503, "/teach/problems/p1/edit"),
        ("POST", "/teach/problems/new", 503, "/teach/problems"),
    ],
)
def test_the_way_back_is_the_page_the_teacher_came_from(
    method: str, path: str, status: int, back: str
) -> None:
    assert way_back(_request(method, path), status)[0] == back
