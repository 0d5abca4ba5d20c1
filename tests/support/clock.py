"""A clock the test moves by hand, for the store and the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """Returns `now` when called; `advance(hours=1)` moves it on."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
