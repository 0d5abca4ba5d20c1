"""Visitor session state expires: memory stays bounded under load and is given back after it.

Gradio keeps each browser session's state (our `VisitorSession` in a gr.State, plus a copy of
the page config once a component changed) in an LRU of `state_session_capacity` sessions,
and never lets one go by age; the API's sessions (`ChatPage._api_sessions`) are kept the same
way. `SessionJanitor` runs in a daemon thread and, every `interval_s`, drops the sessions idle
longer than `idle_s` from both, then returns freed memory to the operating system
(glibc's malloc_trim), so resident memory falls back after a burst of visitors.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


def _malloc_trim() -> Callable[[], None]:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        trim = None
    return (lambda: trim(0)) if trim is not None else (lambda: None)


release_memory = _malloc_trim()


def expire_gradio_sessions(state_holder: Any, idle_s: float, now: dt.datetime) -> int:
    """Drop Gradio session states last used more than `idle_s` ago; returns how many."""
    cutoff = now - dt.timedelta(seconds=idle_s)
    with state_holder.lock:
        stale = [s for s, used in list(state_holder.time_last_used.items()) if used < cutoff]
        for session_id in stale:
            state_holder.session_data.pop(session_id, None)
            state_holder.time_last_used.pop(session_id, None)
    return len(stale)


@dataclass(eq=False)
class SessionJanitor:
    """Expire idle sessions every `interval_s` (see module doc); `sweep()` does one round."""

    blocks: Any
    expire_api_sessions: Callable[[float], int]
    idle_s: float
    interval_s: float
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _thread: threading.Thread = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, name="session-janitor", daemon=True)

    def start(self) -> SessionJanitor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def sweep(self) -> int:
        """One round: expire, then give memory back if anything went; returns sessions dropped."""
        dropped = self.expire_api_sessions(self.idle_s)
        holder = getattr(self.blocks, "state_holder", None)
        if holder is not None:
            dropped += expire_gradio_sessions(holder, self.idle_s, dt.datetime.now())
        if dropped:
            gc.collect()
            release_memory()
            log.info("expired %d idle visitor sessions", dropped)
        return dropped

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.sweep()
            except Exception as exc:  # a failed sweep must not end the janitor
                log.warning("session sweep failed: %s", type(exc).__name__)
