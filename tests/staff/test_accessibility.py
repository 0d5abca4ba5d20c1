"""The staff console in Chromium at phone and desktop sizes: axe-core (WCAG 2.2 AA rules)
finds no serious or critical violation on any page staff and editors use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.support.accounts import sign_in
from tests.support.axe import blocking, run_axe
from tests.support.browser import chromium
from tests.support.servers import serve

from .support import Console, Seeded

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "viewport",
    [{"width": 390, "height": 844}, {"width": 1280, "height": 800}],
    ids=["phone", "desktop"],
)
def test_axe_finds_no_serious_violation_on_the_staff_pages(
    browser: Any, site: FastAPI, seeded: Seeded, viewport: dict[str, int], editor: Console
) -> None:
    editor.post("/editor/publish")  # pages to list, view and edit
    problems: list[str] = []
    with serve(site) as base:
        page = browser.new_context(viewport=viewport).new_page()
        page.goto(f"{base}/staff/login")
        problems += [f"login: {p}" for p in blocking(run_axe(page))]
        sign_in(page, "eddie")  # an editor sees every page
        page.wait_for_url("**/staff/conversations")
        paths = [
            "/staff/conversations",
            "/staff/conversations?kind=emergency",
            f"/staff/conversations/{seeded.emergency}",
            "/staff/requests",
            "/staff/insights",
            "/staff/editor",
            "/staff/editor/pages/hours",
            "/staff/audit",
            "/staff/about",
        ]
        for path in paths:
            page.goto(base + path)
            problems += [f"{path}: {p}" for p in blocking(run_axe(page))]
        # the preview of an edited page: its sentence diff
        page.goto(base + "/staff/editor/pages/hours")
        page.locator("#page-source").fill("---\ntitle: Opening hours\n---\n\nOpen daily.\n")
        page.get_by_role("button", name="Preview the change").click()
        page.wait_for_selector(".sentence-diff")
        problems += [f"page preview: {p}" for p in blocking(run_axe(page))]
        page.context.close()
    assert problems == [], "\n".join(problems)
