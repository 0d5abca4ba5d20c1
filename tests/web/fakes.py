"""Small fakes for the web tests: a keyword-driven Responder and a one-page index."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.types import Citation, Page, Reply


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
