"""Read the parts of a Python traceback that an explanation needs: error type, message, line."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The learner's program: /sandbox/main.py in the sandbox, <string> for `python -c`.
USER_FILES = ("/sandbox/main.py", "main.py", "<string>", "<stdin>")

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')
_ERROR = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")


@dataclass(frozen=True, slots=True)
class ParsedError:
    type: str  # "NameError", without a module prefix
    message: str
    line: int | None  # in the learner's file
    source: str | None  # the code shown under that frame, stripped


def _is_user_file(name: str) -> bool:
    return name in USER_FILES or name.endswith("/main.py")


def _looks_like_error(name: str) -> bool:
    return name.endswith(("Error", "Exception", "Exit", "Interrupt")) or name == "StopIteration"


def _error_line(lines: list[str]) -> int | None:
    """Where the exception line is.

    After the last traceback header it is the first line that is not indented (frames and code
    are), whatever the exception class; a multi-line message continues below it. Without a
    header (a SyntaxError from `python -c`), it is the last line naming an *Error.
    """
    header = max(
        (i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call")),
        default=None,
    )
    if header is not None:
        for index in range(header + 1, len(lines)):
            if lines[index][:1] not in ("", " ", "\t") and _ERROR.match(lines[index]):
                return index
    for index in range(len(lines) - 1, -1, -1):
        match = _ERROR.match(lines[index])
        if match is not None and _looks_like_error(match["type"]):
            return index
    return None


def parse_traceback(stderr: str) -> ParsedError | None:
    """The last exception of `stderr`, with the last line of the learner's file it went through."""
    lines = stderr.replace("\r\n", "\n").rstrip().split("\n")
    error_at = _error_line(lines)
    if error_at is None:
        return None
    match = _ERROR.match(lines[error_at])
    assert match is not None
    line: int | None = None
    source: str | None = None
    for index in range(error_at - 1, -1, -1):
        if lines[index].startswith("Traceback (most recent call last)"):
            break  # frames above belong to an earlier, chained exception
        frame = _FRAME.match(lines[index])
        if frame is None:
            continue
        following = lines[index + 1].strip() if index + 1 < error_at else ""
        shown = following if following and not following.startswith(("File ", "^", "~")) else None
        if _is_user_file(frame["file"]):  # frames in the standard library have no line for us
            line, source = int(frame["line"]), shown
            break
    return ParsedError(
        type=match["type"].rsplit(".", 1)[-1],
        message=(match["message"] or "").strip(),
        line=line,
        source=source,
    )
