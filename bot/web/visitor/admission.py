"""Admission control: past saturation, refuse new chat events at once instead of queueing them.

A pure ASGI middleware in front of Gradio. When the chat's queue already holds
`max_waiting` events, a new `POST .../queue/join` is answered before anything reads or parses
it: HTTP 503 with `Retry-After` and a JSON `detail` holding the page's "busy" text (the chat
page shows it in a banner; `gradio_client` raises it as a QueueError). Refusing costs next to
nothing, so the workers stay busy answering and throughput holds at its peak however many
visitors arrive; the waiting ones see a bounded wait instead of a timeout.

The limits come from the machine, not from a benchmark: `admission_limits` answers one message
per CPU the process may use (`usable_cpus`: affinity and cgroup quota). Unless the settings fix
the queue's length, as many may wait as the workers answer in `max_wait_s` at the average
answer time measured so far (`waiting_limit`): a short queue refuses bursts the CPU could have
absorbed, a long one only adds wait; at least 4 per worker, at most 100.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JOIN_SUFFIX = "/gradio_api/queue/join"
WAITING_PER_WORKER = 4  # before any answer time is known, and the least ever allowed
MAX_WAITING_PER_WORKER = 100


def cgroup_cpu_quota(cpu_max: str) -> float | None:
    """CPUs allowed by a cgroup v2 `cpu.max` line ("max 100000" or "150000 100000")."""
    quota, _, period = cpu_max.strip().partition(" ")
    if quota == "max" or not period:
        return None
    return int(quota) / int(period)


def usable_cpus(cpu_max_file: str = "/sys/fs/cgroup/cpu.max") -> int:
    """CPUs this process can run on: its affinity mask, capped by a container's CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    try:
        with open(cpu_max_file) as f:
            quota = cgroup_cpu_quota(f.read())
    except (OSError, ValueError):
        quota = None
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


def admission_limits(
    concurrency: int | None, max_waiting: int | None, cpus: int
) -> tuple[int, int]:
    """(messages answered at once, messages allowed to wait): the settings, else per CPU.

    Answering is CPU-bound Python (one ONNX thread each): past one worker per core, extra
    workers only wait for the GIL and a core, adding latency and switching, not throughput.
    """
    workers = concurrency if concurrency is not None else max(1, cpus)
    waiting = max_waiting if max_waiting is not None else WAITING_PER_WORKER * workers
    return workers, waiting


def waiting_for(
    max_wait_s: float, workers: int, seconds_per_answer: float | None, floor: int, cap: int
) -> int:
    """How many may wait so that the last one waits about `max_wait_s`, within [floor, cap]."""
    if not seconds_per_answer or seconds_per_answer <= 0:
        return floor
    return max(floor, min(cap, int(max_wait_s * workers / seconds_per_answer)))


def mean_answer_s(blocks: Any) -> float | None:
    """Mean wall time per event of a Blocks' queue so far (None before the first): under
    contention for the CPU it grows, and the queue it allows shrinks with it."""
    queue = getattr(blocks, "_queue", None)
    times = list(getattr(queue, "process_time_per_fn", {}).values())
    count = sum(t.count for t in times)
    return sum(t.process_time for t in times) / count if count else None


def waiting_limit(blocks: Any, workers: int, max_wait_s: float) -> Callable[[], int]:
    """The queue's current limit for AdmissionControl (see module doc)."""
    floor, cap = WAITING_PER_WORKER * workers, MAX_WAITING_PER_WORKER * workers

    def limit() -> int:
        return waiting_for(max_wait_s, workers, mean_answer_s(blocks), floor, cap)

    return limit


def queue_length(blocks: Any) -> Callable[[], int]:
    """Events waiting in a Blocks' queue (not those being answered)."""

    def waiting() -> int:
        queue = getattr(blocks, "_queue", None)
        return len(queue) if queue is not None else 0

    return waiting


class AdmissionControl:
    """Refuse queue joins with 503 + Retry-After while `waiting()` >= `max_waiting()`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        waiting: Callable[[], int],
        max_waiting: int | Callable[[], int],
        retry_after_s: int,
        busy_text: str,
    ) -> None:
        self.app = app
        self.waiting = waiting
        self.max_waiting = max_waiting if callable(max_waiting) else (lambda: max_waiting)
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
            and self.waiting() >= self.max_waiting()
        ):
            self.refused += 1
            headers = [*self._headers, (b"content-length", str(len(self._body)).encode())]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": self._body})
            return
        await self.app(scope, receive, send)
