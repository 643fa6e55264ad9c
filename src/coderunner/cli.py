"""The `coderunner` command line (the console script).

The commands are click's (`coderunner.commands`). `coderunner exec` runs a process per call and
is meant to cost milliseconds, so a plain `exec` command line goes first to a parser of its own
that imports neither click nor pydantic (`coderunner.sandbox.execute`); anything it does not
take (--help, a usage error) goes on to click, which answers as it always has.
"""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["exec"]:
        from coderunner.sandbox.execute import run_plain

        run_plain(args[1:])  # exits, unless click is to answer
    from coderunner.commands import cli

    cli()
