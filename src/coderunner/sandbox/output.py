"""Reading untrusted output: capped, and always returned as valid text."""

from __future__ import annotations


class CappedBuffer:
    """Keeps at most `cap` bytes; remembers whether more arrived."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._chunks: list[bytes] = []
        self.size = 0
        self.exceeded = False

    def feed(self, data: bytes) -> None:
        room = self.cap - self.size
        if len(data) > room:
            self.exceeded = True
            data = data[: max(room, 0)]
        if data:
            self._chunks.append(data)
            self.size += len(data)

    def bytes(self) -> bytes:
        return b"".join(self._chunks)


def to_text(data: bytes) -> str:
    """Decode output as UTF-8; invalid bytes and NUL become visible escapes (`\\xff`, `\\x00`).

    The result is valid text that JSON and PostgreSQL can both store.
    """
    return data.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")
