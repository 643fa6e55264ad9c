"""Starts a learner's Python program in the sandbox (mounted at /usr/lib/coderunner/boot.py).

The interpreter runs with -S: no `site`, so no site-packages is ever looked at and start-up is
~2 ms faster. This restores what learners expect of `site` (`exit()`, `quit()`) and runs the
program as `__main__`, with tracebacks that never show this file. It runs on the learners'
interpreter, so it imports only what start-up already loaded, plus the tiny `_sitebuiltins`.
"""

import builtins
import sys
from _sitebuiltins import Quitter

builtins.exit = Quitter("exit", "Ctrl-D (i.e. EOF)")
builtins.quit = Quitter("quit", "Ctrl-D (i.e. EOF)")
_BOOT = __file__  # the interpreter drops __file__ before it reports an uncaught exception
_show = sys.__excepthook__


def _hook(kind, value, tb):  # type: ignore[no-untyped-def]
    while tb is not None and tb.tb_frame.f_code.co_filename == _BOOT:
        tb = tb.tb_next
    _show(kind, value.with_traceback(tb), tb)


def _run(path: str) -> None:
    sys.argv = sys.argv[1:]
    sys.path[0] = path.rpartition("/")[0]
    sys.excepthook = _hook
    with open(path, "rb") as handle:
        code = compile(handle.read(), path, "exec", dont_inherit=True)
    main = type(sys)("__main__")
    main.__file__ = path
    sys.modules["__main__"] = main
    exec(code, main.__dict__)  # noqa: S102


_run(sys.argv[1])
