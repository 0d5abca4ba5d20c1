"""Debian's Chromium, headless, driven through Playwright's sync API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    """A launched Chromium (a Playwright `Browser`), closed when the block ends.

    Playwright's sync API refuses to start while another sync_playwright() is open on the
    same thread, so a fixture built on this must end with its module: a session-scoped one
    makes every later suite's browser fail to start.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            browser.close()
