"""A readiness check that answers in bounded time, whatever the database does.

`/readyz` must answer within 2 s in every state (load balancers and systemd give up and
restart otherwise). A database that stopped answering can hold a connection attempt or a
query for seconds, so the check runs in its own thread and `/readyz` waits at most
`timeout_s` for it; while one check is still stuck, later calls wait on that same check
instead of starting more threads that would pile up behind it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class CheckTimedOut(TimeoutError):
    """The check did not finish within its deadline (the database is not answering)."""


class BoundedCheck:
    """`check()` run in one worker thread, with callers waiting at most `timeout_s`."""

    def __init__(self, check: Callable[[], None], timeout_s: float) -> None:
        self._check = check
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz")
        self._lock = threading.Lock()
        self._running: Future[None] | None = None

    def __call__(self) -> None:
        """Return if the check passed; raise its error, or `CheckTimedOut`."""
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._pool.submit(self._check)
            running = self._running
        try:
            running.result(timeout=self.timeout_s)
        except TimeoutError:
            raise CheckTimedOut(f"no answer within {self.timeout_s:g} s") from None
