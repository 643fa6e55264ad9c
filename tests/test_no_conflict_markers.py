"""No merge-conflict markers in the repository: one reached a template on main once and showed
as text on the problem page (and dropped a stylesheet) with every other check green."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
    ).stdout.split(b"\0")
    return [ROOT / name.decode() for name in listed if name]


def test_no_file_holds_a_conflict_marker() -> None:
    found: list[str] = []
    for path in _tracked_text_files():
        if not path.is_file() or path.suffix in {".png", ".lock", ".ico", ".woff2"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found.extend(f"{path.relative_to(ROOT)}:{m.group(0)!r}" for m in MARKER.finditer(text))
    assert not found, found
