"""Code Runner: an open platform where children learn to program."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> str:
    # the version is looked up when asked for: importlib.metadata costs ~30 ms, which
    # `coderunner exec` (a process per call) would pay for nothing
    if name == "__version__":
        from importlib.metadata import version

        # the one definition is pyproject.toml's; an installed package (editable too) carries it
        return version("coderunner")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
