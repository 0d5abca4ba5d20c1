"""Take the README's screenshots of the chat widget with the real app.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds an index of knowledge/ and a SQLite store in a temporary directory, serves the app and
examples/clinic-page.html on loopback, and drives Debian's Chromium: widget-closed.png,
widget-open-answer.png and appointment-form.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "Can ketamine help with migraines?"


def clinic_site(app_url: str) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    site = FastAPI()

    @site.get("/clinic-page.html")
    def page() -> HTMLResponse:
        html = (ROOT / "examples" / "clinic-page.html").read_text()
        return HTMLResponse(html.replace("http://127.0.0.1:7860", app_url))

    return site


def take(site_url: str, out: Path) -> None:
    from playwright.sync_api import expect

    from tests.support.browser import chromium

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 800}, device_scale_factor=1)
        page.goto(f"{site_url}/clinic-page.html")
        launcher = page.get_by_role("button", name="Ask us")
        expect(launcher).to_be_visible()
        page.screenshot(path=out / "widget-closed.png")

        launcher.click()
        chat = page.frame_locator("iframe[title='Ask us a question']")
        box = chat.locator("#question textarea")
        expect(box).to_be_visible(timeout=20_000)
        box.fill(QUESTION)
        chat.locator("#send").click()
        answer = chat.locator('[data-testid="bot"]').nth(1)
        expect(answer.locator("details.sources")).to_be_visible(timeout=20_000)
        answer.locator("details.sources summary").click()
        answer.locator("details.sources").scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        page.screenshot(path=out / "widget-open-answer.png")

        chat.locator("#appointment-button").click()
        chat.locator("#appt-name input").fill("Ann Example")
        chat.locator("#appt-phone input").fill("555 12")
        chat.locator("#appt-submit").click()
        expect(chat.locator("#appt-error-summary")).to_contain_text("There is a problem")
        chat.locator("#appointment-view").evaluate("e => e.scrollTo(0, 0)")
        chat.locator("#appointment-intro").scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        page.screenshot(path=out / "appointment-form.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from bot.settings import Settings, offline_environment

    offline_environment()
    from bot.answer.pipeline import load_responder
    from bot.ingest.pipeline import publish
    from bot.store.db import make_engine, migrate, ping
    from bot.store.repo import ChatLog
    from bot.web.server import create_app
    from tests.support.servers import free_port, serve

    with tempfile.TemporaryDirectory() as tmp:
        site_port = free_port()
        settings = Settings(
            data_dir=Path(tmp),
            knowledge_dir=ROOT / "knowledge",
            allowed_origins=[f"http://127.0.0.1:{site_port}"],
        )
        publish(settings, progress=False)
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        app = create_app(
            settings,
            load_responder(settings),
            ChatLog(engine),
            db_check=lambda: ping(engine),
            staff_app=False,
        )
        with serve(app, free_port()) as app_url, serve(clinic_site(app_url), site_port) as site:
            take(site, args.out)
        engine.dispose()
    for name in ("widget-closed.png", "widget-open-answer.png", "appointment-form.png"):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
