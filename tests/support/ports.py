"""Ports for servers the tests start: chosen by the kernel (port 0), never fixed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for a server started next)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def dead_port() -> Iterator[int]:
    """A port where nothing listens, held (bound, not listening) while the block runs: a
    connection to it is refused at once and no other process can take it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        yield port


class HeldPort:
    """A port bound (not listening) until `release()`, for a server started minutes later.
    A `free_port()` may be taken meanwhile: outgoing connections get their local port from the
    same range, and a busy machine makes many while slow servers before this one start."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]

    def release(self) -> int:
        """Free the port for its server, started next; the port."""
        self._sock.close()
        return self.port
