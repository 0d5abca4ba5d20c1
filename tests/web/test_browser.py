"""The visitor's experience in a real browser: Chromium driven by Playwright.

The sample clinic page (examples/clinic-page.html) is served from another origin, with its
one-line snippet pointing at the app under test, exactly as a clinic would embed it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from bot.settings import Settings
from bot.types import Reply
from tests.support.fakes import FakeResponder

from .browser import ChatDriver
from .conftest import ANSWERABLE_QUESTION, USE_REAL_RESPONDER

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

WIDGET_FRAME = "iframe[title='Ask us a question']"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def open_widget(page: Any, site: Any) -> ChatDriver:
    page.goto(f"{site.url}/clinic-page.html")
    page.get_by_role("button", name="Ask us").click()
    chat = ChatDriver(page.frame_locator(WIDGET_FRAME))
    chat.wait_ready()
    return chat


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_visitor_asks_gives_feedback_and_requests_an_appointment(
    live: Any, clinic_site: Any, page: Any
) -> None:
    stack = live(allowed_origins=[clinic_site.url])
    clinic_site.app_url = stack.url
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))  # every frame, the chat's included

    chat = open_widget(page, clinic_site)

    # a suggested question first: the row of suggestions goes once the conversation starts
    suggestion = Settings().suggested_questions[0]
    expect(chat.click_suggestion(suggestion)).not_to_be_empty()
    expect(chat.root.locator("#suggestions")).to_be_hidden()

    # a question, answered with inline markers and a collapsible list of sources
    answer = chat.ask(ANSWERABLE_QUESTION)
    expect(answer).to_contain_text("[1]")
    sources = answer.locator("details.sources")
    expect(sources).to_be_visible()
    sources.locator("summary").click()
    link = sources.locator("a").first
    expect(link).to_be_visible()
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    expect(sources.locator("blockquote").first).not_to_be_empty()

    # thumbs down on the last answer (the welcome has no thumbs)
    chat.root.locator("button[aria-label='Dislike']:visible").last.click()

    # the appointment form: an error first, then correct
    chat.open_appointment_form()
    chat.field("name").fill("Ann Example")
    chat.field("phone").fill("12ab")
    chat.field("time").fill("weekday mornings")
    chat.send_appointment()
    phone_error = chat.root.locator("#appt-phone-error")
    expect(phone_error).to_contain_text("That phone number doesn't look right")
    expect(chat.root.locator("#appt-consent-error")).to_contain_text("Please tick the box")
    expect(chat.field("name")).to_have_value("Ann Example")  # nothing lost
    expect(chat.field("time")).to_have_value("weekday mornings")
    chat.field("phone").fill("(555) 123-4567")
    chat.root.locator("#appt-consent input").check()
    chat.send_appointment()
    reference_el = chat.root.locator("#appt-done .reference")
    expect(reference_el).to_have_text(re.compile(r"^APT-[0-9A-Z]{6}$"))
    reference = reference_el.inner_text()
    expect(phone_error).to_be_hidden()
    expect(chat.root.locator("#appt-error-summary")).to_be_hidden()

    # what staff will see in the database
    messages = stack.rows("SELECT id, question, kind, feedback FROM messages ORDER BY id")
    assert [m.question for m in messages] == [suggestion, ANSWERABLE_QUESTION]
    assert messages[1].kind == "answer"
    assert [m.feedback for m in messages] == [None, -1]
    citations = stack.rows("SELECT citations FROM messages WHERE id = :id", id=messages[1].id)
    assert citations[0][0]  # stored with the page versions they came from
    (conversation,) = stack.rows("SELECT id, session_id FROM conversations")
    assert re.fullmatch(r"[0-9a-f]{32}", conversation.session_id)
    (request,) = stack.rows(
        "SELECT reference, name, phone, preferred_time, consent, conversation_id, request_key "
        "FROM appointment_requests"
    )
    assert request.reference == reference
    assert request.request_key  # the page sent the form's one-time key with it
    assert (request.name, request.phone, request.preferred_time) == (
        "Ann Example",
        "(555) 123-4567",
        "weekday mornings",
    )
    assert request.consent and request.conversation_id == conversation.id

    # the Content-Security-Policy blocked nothing the chat needs
    assert [m for m in console if "Content Security Policy" in m] == []
    # every request went to the clinic's site or to the chat app: nothing third-party
    assert {origin(u) for u in requests if not u.startswith("data:")} <= {
        clinic_site.url,
        stack.url,
    }


def test_emergency_reply_leads_with_911_and_988(live: Any, page: Any) -> None:
    stack = live()
    chat = ChatDriver.open(page, stack.url)

    reply = chat.ask("I want to kill myself")

    first_line = reply.inner_text().strip().splitlines()[0]
    assert re.search(r"\b(911|988)\b", first_line), first_line
    banner = reply.locator(".reply-emergency[role='alert']")
    expect(banner).to_be_visible()
    border = banner.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(200, 30, 30)"
    expect(reply.locator("..").locator("..")).to_be_visible()
    # every emergency number the real responder writes is tap-to-call (988 also by text)
    text = reply.inner_text()
    for number in ("911", "988"):
        written = len(re.findall(rf"(?<![\w-]){number}(?![\w-])", text))
        assert written and reply.locator(f'a[href="tel:{number}"]').count() == written, text
    assert reply.locator('a[href="sms:988"]').count() == len(re.findall(r"\b988\b", text))


XSS_PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    '<svg onload="window.__xss=3"></svg>',
    '<a href="javascript:window.__xss=4">click me</a> [md](javascript:window.__xss=5)',
    '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
]


def test_markup_typed_by_a_visitor_is_shown_as_text_and_never_runs(live: Any, page: Any) -> None:
    stack = live()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script("window.__xss = undefined;")
    chat = ChatDriver.open(page, stack.url)

    for payload in XSS_PAYLOADS:
        chat.ask(payload)
        user_bubble = page.locator('[data-testid="user"]').last
        expect(user_bubble).to_have_text(payload.strip())
    for link in page.locator('[data-testid="user"] a').all():
        link.click()  # there are none; if the markup had become a link, this would run it
    page.wait_for_timeout(500)

    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.locator('[data-testid="user"] img, [data-testid="user"] svg').count() == 0


def test_a_50kb_message_is_refused_with_a_clear_message(live: Any, page: Any) -> None:
    stack = live()
    chat = ChatDriver.open(page, stack.url)

    reply = chat.ask("a" * 50_000)

    expect(reply).to_contain_text("too long")
    expect(reply).to_contain_text("50,000 characters; the limit is 1,000")
    assert stack.rows("SELECT count(*) FROM messages") == [(0,)]
    if not USE_REAL_RESPONDER:
        assert stack.responder.calls == []


def test_the_rate_limit_answers_kindly(live: Any, page: Any) -> None:
    stack = live(rate_limit_per_minute=2)
    chat = ChatDriver.open(page, stack.url)

    chat.ask("What are your opening hours?")
    chat.ask("Do you offer telehealth?")
    reply = chat.ask("And on Saturdays?")

    expect(reply).to_contain_text("faster than I can answer")
    expect(reply).to_contain_text("410-555-2368")
    assert stack.rows("SELECT count(*) FROM messages") == [(2,)]


def test_a_failing_responder_shows_how_to_reach_the_clinic(live: Any, page: Any) -> None:
    stack = live(responder=FakeResponder())
    chat = ChatDriver.open(page, stack.url)

    reply = chat.ask("please explode")

    expect(reply).to_contain_text("something went wrong on our side")
    expect(reply).to_contain_text("410-555-2368")
    assert "Traceback" not in reply.inner_text()
    expect(page.get_by_text("Request an appointment").first).to_be_visible()


def test_widget_is_keyboard_accessible_and_closes_with_escape(
    live: Any, clinic_site: Any, page: Any
) -> None:
    stack = live(allowed_origins=[clinic_site.url])
    clinic_site.app_url = stack.url
    page.goto(f"{clinic_site.url}/clinic-page.html")
    launcher = page.get_by_role("button", name="Ask us")
    assert page.locator(WIDGET_FRAME).count() == 0  # nothing loads before the visitor asks

    launcher.focus()
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    chat = ChatDriver(page.frame_locator(WIDGET_FRAME))
    chat.wait_ready()
    chat.root.locator("#question textarea").focus()  # focus inside the iframe
    page.keyboard.press("Escape")

    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("dialog", name="Ask us a question")).to_be_hidden()
    assert page.evaluate("document.activeElement.hasAttribute('data-clinic-chat')")


def test_a_site_that_is_not_allowed_cannot_frame_the_chat(
    live: Any, clinic_site: Any, page: Any
) -> None:
    stack = live(allowed_origins=[clinic_site.url])  # 127.0.0.1:PORT, not localhost:PORT
    clinic_site.app_url = stack.url
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(clinic_site.url.replace("127.0.0.1", "localhost") + "/clinic-page.html")
    page.get_by_role("button", name="Ask us").click()
    page.wait_for_timeout(2000)

    frame = next(f for f in page.frames if f != page.main_frame)
    assert frame.locator("#chat").count() == 0
    assert refused, "Chromium should report the frame-ancestors violation"


def test_a_full_queue_gets_a_busy_message(live: Any, browser: Any) -> None:
    release = threading.Event()

    class SlowResponder(FakeResponder):
        def reply(self, message: str, history: Sequence[str] = (), remind: bool = True) -> Reply:
            release.wait(30)
            return super().reply(message, history)

    stack = live(responder=SlowResponder(), queue_max_size=1, concurrency_limit=1)
    pages = [browser.new_page() for _ in range(3)]
    try:
        chats = []
        for p in pages:
            chats.append(ChatDriver.open(p, stack.url))
        for chat in chats[:2]:  # one being answered, one waiting: the queue is full
            chat.root.locator("#question textarea").fill("What are your opening hours?")
            chat.root.locator("#send").click()
            chat.root.wait_for_timeout(700)
        chats[2].root.locator("#question textarea").fill("What are your opening hours?")
        chats[2].root.locator("#send").click()

        busy = pages[2].locator("#busy-banner")
        expect(busy).to_contain_text("answering a lot of questions right now")
        expect(busy).to_contain_text("911")
        expect(busy).to_contain_text("988")
        expect(busy).to_contain_text("410-555-2368")  # the clinic's contact from the settings
    finally:
        release.set()
        for p in pages:
            p.close()


def test_a_question_the_pages_dont_cover_offers_the_appointment_form(live: Any, page: Any) -> None:
    stack = live()
    chat = ChatDriver.open(page, stack.url)

    reply = chat.ask("Is there parking for bicycles?")
    expect(reply.locator(".reply-fallback")).to_be_visible()
    # one appointment control, under the composer, never a second one inside the bubble
    assert page.locator("#chat button", has_text="Request an appointment").count() == 0
    handoff = page.locator("#appointment-button")
    expect(handoff).to_be_visible()
    handoff.click()

    expect(page.locator("#appointment-view")).to_be_visible()
    expect(chat.field("name")).to_be_editable()
    assert stack.rows("SELECT kind FROM messages") == [("fallback",)]
    page.locator("#appt-back").click()  # and back: the conversation is still there
    expect(page.locator(".reply-fallback")).to_be_visible()
