"""Host uids for runs: one per concurrent run, like isolate's boxes.

Per-user kernel limits (inotify instances, POSIX message-queue bytes, pipe buffers, the process
count) are counted by uid, so two learners' runs at the same time never share them. A thread
holds one uid for a whole run or batch (the build step of a compiled language and its run use
the same one); it goes back to the pool once every process of the run is dead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_RECLAIM_WAIT_S = 0.05


class UidPool:
    def __init__(self, base: int, count: int) -> None:
        if count < 1:
            raise ValueError("at least one sandbox uid is needed")
        self.base = base
        self.uids = range(base, base + count)
        self._free = list(self.uids)
        self._ready = threading.Condition()
        self._held = threading.local()
        # destroys one waiting pooled sandbox, freeing its uid; False when there is none
        self.reclaim: Callable[[], bool] | None = None

    @contextmanager
    def slot(self) -> Iterator[int]:
        """A uid of our own for this thread (the same one again when it already holds one)."""
        held: int | None = getattr(self._held, "uid", None)
        if held is not None:
            yield held
            return
        uid = self._wait_free()
        self._held.uid = uid
        try:
            yield uid
        finally:
            self._held.uid = None
            with self._ready:
                self._free.append(uid)
                self._free.sort()
                self._ready.notify()

    def _wait_free(self) -> int:
        while True:
            with self._ready:
                if self._free:
                    return self._free.pop(0)  # the lowest free: few uids in use on a quiet host
                reclaim = self.reclaim
                if reclaim is None:
                    self._ready.wait()
                    continue
            if not reclaim():  # (outside our lock: the pool frees the uid through give_back)
                with self._ready:
                    if not self._free:
                        self._ready.wait(_RECLAIM_WAIT_S)

    def take_free(self) -> int | None:
        """A free uid for a pooled sandbox, or None: never waits and never takes the last free
        one (runs come first)."""
        with self._ready:
            return self._free.pop(0) if len(self._free) > 1 else None

    def give_back(self, uid: int) -> None:
        """A uid from `take_free` is free again (every process of its sandbox is dead)."""
        with self._ready:
            self._free.append(uid)
            self._free.sort()
            self._ready.notify()

    def current(self) -> int:
        """The uid this thread holds (the first of the pool when it holds none)."""
        held: int | None = getattr(self._held, "uid", None)
        return self.base if held is None else held
