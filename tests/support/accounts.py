"""Staff accounts for tests: one password, a cheap real hasher, the two usual accounts, sign-in."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher

from bot.store.repo import ChatLog

PASSWORD = "correct horse battery"
# Real argon2, with parameters cheap enough for many hashes per test run.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def add_staff_accounts(chatlog: ChatLog) -> None:
    """Create "ana" (role staff) and "eddie" (role editor), both with PASSWORD."""
    chatlog.create_staff("ana", PASSWORD, "staff")
    chatlog.create_staff("eddie", PASSWORD, "editor")


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the console's login form that the browser `page` shows."""
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
