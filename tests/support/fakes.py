"""The fakes every test area uses in place of the slow or external parts.

A clock the test moves (datetime for the store and console, seconds for rate limits), a
keyword-driven Responder, a one-page index, an index that must not be reached, and
embedders that count or forbid work. tests/conftest.py hands them out as fixtures; pass
them into the code under test (no monkeypatching of module globals).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.embed import HashingEmbedder
from bot.types import Citation, Page, Reply

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


@dataclass
class SecondsClock:
    """A monotonic clock in seconds (what the rate limits and sessions read); move `now`."""

    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class NoSleep:
    """Records the slow-down delays the login would have waited."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class NoIndex:
    """An index source that fails the test if retrieval is reached."""

    def current(self):
        raise AssertionError("retrieval was reached")


class CountingEmbedder:
    """HashingEmbedder that records every text it is asked to embed."""

    def __init__(self) -> None:
        self._inner = HashingEmbedder()
        self.name = self._inner.name
        self.dimension = self._inner.dimension
        self.texts: list[str] = []

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        self.texts.extend(texts)
        return self._inner.embed(texts, progress)


class ExplodingEmbedder(CountingEmbedder):
    """Fails the test if anything needs embedding."""

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        raise AssertionError(f"embedded {len(texts)} texts; expected everything cached")


class FakeResponder:
    """Canned replies chosen by keyword; records every call (message, history)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.reminds: list[bool] = []  # the `remind` flag of every call

    def reply(self, message: str, history: Sequence[str] = (), remind: bool = True) -> Reply:
        self.calls.append((message, tuple(history)))
        self.reminds.append(remind)
        text = message.lower()
        if "explode" in text:
            raise RuntimeError(f"index exploded while reading {message!r}")
        if re.search(r"kill myself|suicide|overdose|emergency", text):
            return Reply(
                message,
                "emergency",
                "If you are in danger, call 911 now. For a mental-health crisis, call or "
                "text 988 (Suicide & Crisis Lifeline), any time.\n\n"
                "You are not alone, and our team wants to help.",
            )
        if re.search(r"\b(book|appointment)\b", text):
            return Reply(
                message,
                "appointment",
                "I can pass a request to our team: use the form to leave your details.",
            )
        if re.search(r"dose|diagnos|should i take", text):
            return Reply(
                message,
                "refusal",
                "I can't give medical advice. Please ask your clinician.",
            )
        if re.search(r"hours|open|services|insurance|offer", text):
            quote = "We are open Monday to Friday, 8am to 6pm."
            return Reply(
                message,
                "answer",
                f"{quote} [1]\nWe also offer telehealth visits. [2]",
                citations=(
                    Citation(1, "hours", "Opening hours", "/knowledge/hours", quote, quote),
                    Citation(
                        2,
                        "services",
                        "Our <services>",
                        None,
                        "Telehealth visits are available.",
                        "Telehealth visits are available.",
                    ),
                ),
                index_version="v-test",
            )
        return Reply(
            message,
            "fallback",
            "I'm sorry, our pages don't answer that. Use “Request an appointment”.",
        )


class FakeIndex:
    version = "v-test"

    def __init__(self) -> None:
        self.pages = {
            "hours": Page(
                source="hours",
                title="Opening <hours>",
                text="We are open Monday to Friday.\n\nCall us <script>alert(1)</script>.",
                version="p1",
            )
        }
