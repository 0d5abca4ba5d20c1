"""Driving the chat in Chromium the way a visitor does (Playwright sync API)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

BOT = '[data-testid="bot"]'


class ChatDriver:
    """The chat UI inside `root` (a Page, or a FrameLocator for the widget's iframe)."""

    def __init__(self, root: Any) -> None:
        self.root = root

    @classmethod
    def open(cls, page: Any, url: str) -> ChatDriver:
        """Go to the chat page at `url` and wait until the visitor can type."""
        page.goto(url)
        chat = cls(page)
        chat.wait_ready()
        return chat

    def wait_ready(self) -> None:
        expect(self.root.locator("#question textarea")).to_be_visible(timeout=20_000)
        expect(self.root.locator(BOT).first).to_be_visible()

    def bot_count(self) -> int:
        return int(self.root.locator(BOT).count())

    def last_bot(self) -> Any:
        return self.root.locator(BOT).last

    def _await_reply(self, before: int) -> Any:
        expect(self.root.locator(BOT)).to_have_count(before + 1, timeout=20_000)
        return self.last_bot()

    def ask(self, text: str) -> Any:
        """Type and send a message; returns the new bot bubble."""
        before = self.bot_count()
        self.root.locator("#question textarea").fill(text)
        self.root.locator("#send").click()
        return self._await_reply(before)

    def click_suggestion(self, text: str) -> Any:
        before = self.bot_count()
        self.root.locator("#suggestions button", has_text=text).click()
        return self._await_reply(before)

    def open_appointment_form(self) -> None:
        """Press "Request an appointment" under the composer."""
        self.root.locator("#appointment-button").click()

    def send_appointment(self) -> None:
        """Press the form's "Send request"."""
        self.root.locator("#appt-submit").click()

    def field(self, name: str) -> Any:
        selector = "textarea" if name == "reason" else "input"
        return self.root.locator(f"#appt-{name} {selector}")
