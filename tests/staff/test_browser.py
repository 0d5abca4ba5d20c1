"""The main staff path in the real browser: sign in, list, transcript, review, request status.

The console is served for real (uvicorn on a free port, mounted at /staff) and driven by
Debian's Chromium through Playwright. A logged question carries script and onerror payloads;
nothing may execute, and the pages must not break their own Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from bot.store.repo import ChatLog
from tests.support.accounts import sign_in
from tests.support.browser import chromium
from tests.support.servers import serve

from .support import XSS, Seeded

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_staff_review_and_follow_up_in_the_browser(
    browser: Any, site: FastAPI, seeded: Seeded, chatlog: ChatLog
) -> None:
    with serve(site) as base:
        page = browser.new_page()
        dialogs: list[str] = []
        problems: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))

        page.goto(f"{base}/staff/conversations")
        assert "/staff/login" in page.url  # anonymous: sent to the login form
        sign_in(page, "ana")
        page.wait_for_url("**/staff/conversations")

        rows = page.locator("table.list tbody tr")
        assert rows.count() == 4
        first = rows.nth(0)
        assert "Emergency · review" in first.inner_text()
        assert "attention" in (first.get_attribute("class") or "")

        # filter, then open the hostile conversation: its payloads show as text
        page.check("input[name=kind][value=refusal]")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**kind=refusal**")
        assert page.locator("table.list tbody tr").count() == 1
        page.click("table.list tbody tr a")
        page.wait_for_url(f"**/staff/conversations/{seeded.hostile}")
        assert XSS in page.locator(".visitor .bubble").inner_text()
        assert page.locator("main img").count() == 0
        assert page.evaluate("window.__xss") is None

        # mark reviewed with a note
        page.fill("#note", "Checked: payload only, no visitor at risk.")
        page.click(".review button[type=submit]")
        page.wait_for_url("**done=reviewed")
        assert "Reviewed by ana" in page.locator(".review").inner_text()

        # the emergency transcript, then its highlight goes once reviewed
        page.goto(f"{base}/staff/conversations/{seeded.emergency}")
        assert "call 911" in page.locator(".bot .bubble").inner_text()
        page.click(".review button[type=submit]")
        page.goto(f"{base}/staff/conversations")
        assert page.locator("tr.attention").count() == 0

        # follow up the appointment request
        page.click("nav >> text=Appointment requests")
        row = page.locator(f"#request-{seeded.request_id}")
        assert "Maria Lopez" in row.inner_text()
        row.locator("select").select_option("contacted")
        row.locator("input[name=note]").fill("Called, booked for Tuesday")
        row.locator("button[type=submit]").click()
        page.wait_for_url("**done=status**")
        assert "Request updated." in page.inner_text("main")

        # sign out: the console is closed again
        page.click("button:has-text('Sign out')")
        page.wait_for_url("**/staff/login")
        page.goto(f"{base}/staff/requests")
        assert "/staff/login" in page.url

        assert dialogs == []
        assert page.evaluate("window.__xss") is None
        assert problems == [], problems  # includes any Content-Security-Policy violation

    request = chatlog.get_request(seeded.request_id)
    assert request is not None and request.status == "contacted"
    reviewed = chatlog.get_transcript(seeded.hostile)
    assert reviewed is not None and reviewed.reviewed_by == "ana"
