"""380 XSS/markup payloads as visitor messages and as page content, rendered in Chromium.

One app (real Responder over the clinic's pages plus a page made of the payloads, hashing
embedder; real store; real staff console) serves everything. The payloads reach the browser
four ways: typed into the chat (batched, each batch short enough that the visitor's bubble
shows it whole) with the bot quoting the payload page back; the read-only page view of the
payload page; the editor's page view; and the staff console's list and transcripts of one
conversation per payload, sent through the chat's HTTP API. Every page is watched (see
conftest.Watch): no dialog, no hooked alert/confirm/prompt, no window.__xss, and no request to
any host but the app's.
"""

from __future__ import annotations

import random
import re
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from bot.answer.pipeline import Responder
from bot.embed import HashingEmbedder
from bot.index import IndexWatcher
from bot.ingest.pipeline import publish
from bot.settings import PROJECT_ROOT, Settings
from bot.store.db import make_engine, migrate
from bot.store.repo import ChatLog
from bot.web.server import create_app
from tests.fault.gradio_queue import GradioQueue, new_session
from tests.support.accounts import CHEAP_HASHER, add_staff_accounts, sign_in
from tests.support.servers import serve

from .corpus import batches, xss_payloads

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

BOT = '[data-testid="bot"]'
BUBBLES = '[data-testid="bot"], [data-testid="user"]'
PREVIEW = 195  # the visitor's bubble shows the first 200 characters of a message, then "…"
PAYLOAD_PAGE = "visitor-rules"


@dataclass
class Site:
    url: str
    chatlog: ChatLog
    payloads: tuple[str, ...]


def payload_page(payloads: tuple[str, ...]) -> str:
    """A plain-text page (kept verbatim by ingest): one paragraph per payload."""
    paragraphs = [
        f"Visitor rule {i} says {p} and applies to every visit." for i, p in enumerate(payloads)
    ]
    return "Visitor rules\n\n" + "\n\n".join(paragraphs) + "\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    payloads = xss_payloads()
    root = tmp_path_factory.mktemp("xss")
    knowledge = root / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    (knowledge / f"{PAYLOAD_PAGE}.txt").write_text(payload_page(payloads), encoding="utf-8")
    settings = Settings(
        data_dir=root,
        knowledge_dir=knowledge,
        rate_limit_per_minute=100_000,
        rate_limit_client_messages="100000/minute",  # every payload comes from one address
        clinic_phone="410-555-2368",
    )
    assert publish(settings, HashingEmbedder(), progress=False).version
    index_dir = settings.resolved_index_dir
    responder = Responder(IndexWatcher(index_dir), HashingEmbedder(), settings)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    chatlog = ChatLog(engine, password_hasher=CHEAP_HASHER)
    add_staff_accounts(chatlog)
    app = create_app(settings, responder, chatlog)
    with serve(app) as url:
        yield Site(url, chatlog, payloads)
    engine.dispose()


def staff_login(page: Any, url: str, user: str) -> None:
    page.goto(f"{url}/staff/login")
    sign_in(page, user)
    page.wait_for_url("**/staff/conversations**")


# Elements and attributes only a payload would bring: the app's own pages use none of them.
LIVE_MARKUP_JS = """
(scope) => {
  const tags = /^(script|iframe|object|embed|base|frame|frameset|marquee|math|video|audio|img|
    image|animate|set|foreignobject|meta|link|isindex|keygen|applet|bgsound|xml|xss)$/i;
  const urls = ["href", "src", "action", "formaction", "data", "xlink:href", "background",
                "poster", "dynsrc", "lowsrc"];
  const found = [];
  for (const root of document.querySelectorAll(scope)) {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.tagName.toLowerCase();
      if (tags.test(tag)) found.push(el.outerHTML.slice(0, 120));
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        const value = a.value;
        const style = name === "style" && /expression|url\\(/i.test(value);
        const script = /^\\s*(javascript|vbscript|livescript|data:text)/i.test(value);
        if (name.startsWith("on") || name === "srcdoc" || style || (urls.includes(name) && script))
          found.push(el.outerHTML.slice(0, 120));
      }
    }
  }
  return found;
}
""".replace("|\n    ", "|")


def assert_no_live_markup(page: Any, scope: str) -> None:
    """Inside `scope`, payload tags exist only as text: no element or attribute they made."""
    found = page.evaluate(LIVE_MARKUP_JS, scope)
    assert found == [], found[:3]


def test_the_corpus_has_at_least_300_distinct_payloads(site: Site) -> None:
    assert len(site.payloads) >= 300


def test_the_checks_see_an_execution_live_markup_and_a_foreign_request(
    site: Site, watched: Any
) -> None:
    page, watch = watched(site.url)
    page.goto(f"{site.url}/knowledge/{PAYLOAD_PAGE}")
    page.evaluate("alert('planted')")
    assert watch.executions(page)
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', "
                  "'<img src=x onerror=1><a href=\\'javascript:1\\'>x</a>')")  # fmt: skip
    assert len(page.evaluate(LIVE_MARKUP_JS, "main")) >= 2
    with pytest.raises(PlaywrightError):  # aborted by the watch, before any network
        page.goto("https://evil.example/")
    assert watch.foreign == ["https://evil.example/"]


def send(page: Any, text: str) -> None:
    """Type a message and wait for the bot's reply bubble (and any others it brings back)."""
    before = page.locator(BOT).count()
    page.locator("#question textarea").fill(text)
    page.locator("#send").click()
    deadline = time.monotonic() + 60
    while page.locator(BOT).count() <= before:
        assert time.monotonic() < deadline, "no reply bubble within 60 s"
        page.wait_for_timeout(100)


def test_payloads_sent_into_a_chat_session_and_quoted_back_stay_text(
    site: Site, watched: Any
) -> None:
    """The browser's own chat session gets every payload, then renders the whole transcript.

    Typing 100 batches would take minutes, so the batches go through the same HTTP calls the
    page makes (show the question, then answer it) under the page's session hash; the next
    message typed in the browser brings back the whole conversation, which the chat renders.
    """
    page, watch = watched(site.url)
    hashes: list[str] = []

    def remember(request: Any) -> None:
        if "/gradio_api/" in request.url and request.method == "POST" and request.post_data:
            found = re.search(r'"session_hash":\s*"([^"]+)"', request.post_data)
            if found:
                hashes.append(found.group(1))

    page.on("request", remember)
    page.goto(site.url + "/")
    expect(page.locator("#question textarea")).to_be_visible(timeout=60_000)
    send(page, "Hello")
    assert hashes, "the page made no Gradio call with a session hash"
    page.wait_for_timeout(1000)  # the page's event stream is closed once its event is done

    sent = batches(site.payloads, PREVIEW)
    with GradioQueue(site.url) as queue:
        for batch in sent:
            queue.call("show_question", ["\n".join(batch), None], hashes[-1])
            queue.run("answer", [None, None, None], hashes[-1])
    # Questions made of payload words retrieve the payload page: its quotes are shown too.
    for i in random.Random(7).sample(range(len(site.payloads)), 3):
        send(page, f"What does visitor rule {i} say about every visit?")
    page.locator("details.sources summary").first.click()  # open a Sources block
    page.wait_for_timeout(500)  # give any late onerror/onload a chance to fire

    watch.assert_clean(page)
    assert_no_live_markup(page, BUBBLES)
    shown = page.locator('[data-testid="user"]').all_inner_texts()
    text = " ".join(" ".join(shown).split())
    # A payload longer than the bubble's preview is shown up to the preview's end.
    missing = [p for p in site.payloads if " ".join(p[:PREVIEW].split()) not in text]
    assert len(shown) >= len(sent) and missing == [], missing[:5]
    quoted = "\n".join(page.locator(BOT).all_inner_texts())
    assert "Visitor rule" in quoted, "no reply quoted the payload page"


def test_the_payload_page_views_stay_text(site: Site, watched: Any) -> None:
    page, watch = watched(site.url)
    page.goto(f"{site.url}/knowledge/{PAYLOAD_PAGE}")
    assert_no_live_markup(page, "main")
    body = " ".join(page.locator("main").inner_text().split())
    assert all(" ".join(p.split()) in body for p in site.payloads[:50])
    watch.assert_clean(page)

    staff_login(page, site.url, "eddie")
    page.goto(f"{site.url}/staff/editor/pages/{PAYLOAD_PAGE}")
    assert_no_live_markup(page, "main")
    watch.assert_clean(page)


def test_payloads_sent_through_the_api_stay_text_in_the_staff_console(
    site: Site, watched: Any
) -> None:
    def ask(payload: str) -> dict[str, Any]:
        with GradioQueue(site.url, config=config) as queue:
            return queue.run("ask", [payload], new_session())[0]

    with GradioQueue(site.url) as first:
        config = first.config
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(ask, site.payloads))
    assert all(r["message_id"] is not None for r in replies), "a payload was not logged"

    page, watch = watched(site.url)
    staff_login(page, site.url, "ana")
    listed = 0
    for n in range(1, 30):
        page.goto(f"{site.url}/staff/conversations?page={n}")
        rows = page.locator("table.list tbody tr")
        listed += rows.count()
        assert_no_live_markup(page, "table.list")
        if rows.count() < 50:
            break
    assert listed >= len(site.payloads)
    conversations = [c.id for c in site.chatlog.list_conversations(limit=1000)]
    for conv_id in random.Random(3).sample(conversations, 12):
        page.goto(f"{site.url}/staff/conversations/{conv_id}")
        assert_no_live_markup(page, "main")
    page.goto(f"{site.url}/staff/insights")
    assert_no_live_markup(page, "main")
    page.wait_for_timeout(500)
    watch.assert_clean(page)
