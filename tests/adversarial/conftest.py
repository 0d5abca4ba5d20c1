"""Fixtures for the adversarial tests: the real model and index, live apps, a watched browser.

The long versions (every jailbreak with every goal) run only with CLINICBOT_LONG_FAULTS=1.
The browser is Debian's Chromium; every request to a host other than the app's is aborted
before it leaves the machine (and recorded), and the host resolver resolves nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.browser import chromium

LONG = os.environ.get("CLINICBOT_LONG_FAULTS") == "1"
long_only = pytest.mark.skipif(not LONG, reason="long version: set CLINICBOT_LONG_FAULTS=1")

# Belt and braces: even a request that slipped past page.route resolves nowhere.
NOWHERE_ELSE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"

# Runs before any page script: any way a payload could "execute" leaves a mark.
WATCH_SCRIPT = """
(() => {
  window.__xssCalls = [];
  const mark = (name) => function (...args) {
    window.__xss = window.__xss || name;
    window.__xssCalls.push(name + ":" + String(args[0]).slice(0, 80));
  };
  window.alert = mark("alert");
  window.confirm = mark("confirm");
  window.prompt = mark("prompt");
  window.print = mark("print");
})();
"""


@pytest.fixture(scope="session")
def responder(real_responder: Any) -> Any:
    """The real Responder (no LLM) over the shipped knowledge (tests/conftest.py)."""
    return real_responder


# --- the watched browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope: Playwright's sync API runs an event loop on the main thread, and a second
    # sync_playwright() (tests/web's) refuses to start while this one is alive.
    with chromium(NOWHERE_ELSE) as launched:
        yield launched


@dataclass
class Watch:
    """What a page did that it should not: dialogs, hooked calls, requests elsewhere."""

    origin: str
    dialogs: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    requests: int = 0

    def on_request(self, route: Any) -> None:
        url = route.request.url
        self.requests += 1
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or f"{parts.scheme}://{parts.netloc}" == (
            self.origin
        ):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def executions(self, page: Any) -> list[str]:
        """Hooked calls and window.__xss in the page and every frame, plus dialogs seen."""
        found = list(self.dialogs)
        for frame in page.frames:
            try:
                flag = frame.evaluate("[window.__xss || null, window.__xssCalls || []]")
            except Exception:  # a frame that navigated away or is cross-origin: skip it
                continue
            if flag[0] is not None:
                found.append(f"{frame.url}: __xss={flag[0]!r}")
            found += [f"{frame.url}: {c}" for c in flag[1]]
        return found

    def assert_clean(self, page: Any) -> None:
        executions = self.executions(page)
        assert executions == [], f"payloads executed: {executions[:5]}"
        assert self.foreign == [], f"requests to other hosts: {self.foreign[:5]}"


@pytest.fixture
def watched(browser: Any) -> Iterator[Any]:
    """`page, watch = watched(origin)`: a new page with the hooks installed."""
    contexts: list[Any] = []

    def open_page(origin: str) -> tuple[Any, Watch]:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        contexts.append(context)
        watch = Watch(origin)
        context.add_init_script(WATCH_SCRIPT)
        context.route("**/*", watch.on_request)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("dialog", lambda d: (watch.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        return page, watch

    yield open_page
    for context in contexts:
        context.close()
