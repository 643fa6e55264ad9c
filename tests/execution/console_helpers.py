"""Helpers for the console tests: start a console, read its server-sent events."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

TWO_QUESTIONS = 'a = input("Name? ")\nprint("Hi", a)\nb = input("Age? ")\nprint(int(b) + 1)\n'


@dataclass
class Console:
    limits: dict[str, Any] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=list)
    output: list[tuple[str, str, str]] = field(default_factory=list)  # (id, stream, text)
    done: dict[str, Any] | None = None

    def text(self, stream: str = "stdout") -> str:
        return "".join(t for _, s, t in self.output if s == stream)


def parse_events(body: str) -> Console:
    found = Console()
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data, event_id = "message", [], ""
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line.startswith("id:"):
                event_id = line[3:].strip()
        if not data:
            continue
        payload = json.loads("\n".join(data))
        if name == "console":
            found.limits = payload
        elif name == "status":
            found.statuses.append(payload["status"])
        elif name == "output":
            found.output.append((event_id, payload["stream"], payload["text"]))
        elif name == "done":
            found.done = payload
    return found


async def start_console(
    client: httpx.AsyncClient, headers: dict[str, str], code: str, **extra: Any
) -> str:
    response = await client.post(
        "/execution/run", json={"code": code, "console": True, **extra}, headers=headers
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == "console"
    return str(body["jobId"])


async def answer(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, text: str
) -> None:
    response = await client.post(
        f"/execution/{job_id}/console/answer", json={"text": text}, headers=headers
    )
    assert response.status_code == 202, response.text


async def follow(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, after: str | None = None
) -> Console:
    """The whole event stream (the test transport answers once the stream has ended)."""
    extra = {"last-event-id": after} if after else {}
    response = await client.get(
        f"/execution/{job_id}/console", headers={**headers, **extra}, timeout=120
    )
    assert response.status_code == 200, response.text
    return parse_events(response.text)
