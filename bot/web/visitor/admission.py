"""Admission control: past saturation, refuse new chat events at once instead of queueing them.

A pure ASGI middleware in front of Gradio. When the chat's queue already holds
`max_waiting` events, a new `POST .../queue/join` is answered before anything reads or parses
it: HTTP 503 with `Retry-After` and a JSON `detail` holding the page's "busy" text (the chat
page shows it in a banner; `gradio_client` raises it as a QueueError). Refusing costs next to
nothing, so the workers stay busy answering and throughput holds at its peak however many
visitors arrive; the waiting ones see a bounded wait instead of a timeout.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JOIN_SUFFIX = "/gradio_api/queue/join"


def queue_length(blocks: Any) -> Callable[[], int]:
    """Events waiting in a Blocks' queue (not those being answered)."""

    def waiting() -> int:
        queue = getattr(blocks, "_queue", None)
        return len(queue) if queue is not None else 0

    return waiting


class AdmissionControl:
    """Refuse queue joins with 503 + Retry-After while `waiting()` >= `max_waiting`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        waiting: Callable[[], int],
        max_waiting: int,
        retry_after_s: int,
        busy_text: str,
    ) -> None:
        self.app = app
        self.waiting = waiting
        self.max_waiting = max_waiting
        self.refused = 0  # since start, for logs and tests
        self._headers = [
            (b"content-type", b"application/json"),
            (b"retry-after", str(retry_after_s).encode()),
            (b"cache-control", b"no-store"),
        ]
        self._body = json.dumps({"detail": busy_text, "retry_after_s": retry_after_s}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].endswith(JOIN_SUFFIX)
            and self.waiting() >= self.max_waiting
        ):
            self.refused += 1
            headers = [*self._headers, (b"content-length", str(len(self._body)).encode())]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": self._body})
            return
        await self.app(scope, receive, send)
