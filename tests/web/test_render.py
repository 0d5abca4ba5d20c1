"""Reply -> HTML: structure by kind, and every visitor/page string escaped."""

from __future__ import annotations

import re

import pytest

from bot.clinic import ClinicContact
from bot.types import Citation, Reply
from bot.web.visitor import render


def cite(n: int = 1, url: str | None = "https://clinic.example/hours", **kw: str) -> Citation:
    values = {"source": "hours", "title": "Opening hours", "quote": "Open 8-6.", "passage": "p"}
    values.update(kw)
    return Citation(n, values["source"], values["title"], url, values["quote"], values["passage"])


def test_answer_marks_cited_numbers_and_lists_sources_in_a_details_block() -> None:
    html = render.reply_html(Reply("q", "answer", "Open 8-6. [1] Also [7].", (cite(),)))

    assert '<sup class="cite-marker" title="Source 1">[1]</sup>' in html
    assert "Also [7]." in html  # a number with no citation stays plain text
    assert '<details class="sources"><summary>Source</summary>' in html
    assert 'href="https://clinic.example/hours" target="_blank" rel="noopener noreferrer"' in html
    assert "<blockquote>Open 8-6.</blockquote>" in html


def test_emergency_reply_is_an_alert_whose_first_paragraph_is_the_answer_start() -> None:
    html = render.reply_html(Reply("q", "emergency", "Call 911 now.\n\nOr text 988."))

    assert html.startswith(
        '<div class="reply reply-emergency" role="alert">'
        '<p>Call <a class="tel" href="tel:911">911</a> now.</p>'
    )


@pytest.mark.parametrize(
    "payload",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        '"><svg onload=alert(1)>',
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_markup_in_answer_title_and_quote_is_escaped(payload: str) -> None:
    reply = Reply("q", "answer", f"A {payload} [1]", (cite(title=payload, quote=payload),))

    html = render.reply_html(reply)

    assert "<img" not in html and "<script" not in html and "<svg" not in html
    assert "<a href='javascript" not in html
    assert "&lt;" in html


def test_visitor_text_is_escaped_and_long_text_shortened() -> None:
    assert render.visitor_html("<b>hi</b>\nthere") == (
        '<div class="visitor-text"><p>&lt;b&gt;hi&lt;/b&gt;<br>there</p></div>'
    )
    assert render.visitor_html("y" * 5000).count("y") == 200


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://clinic.example/a?b=1", "https://clinic.example/a?b=1"),
        ("/knowledge/hours#:~:text=Open", "/knowledge/hours#:~:text=Open"),
        ("javascript:alert(1)", "knowledge/hours"),
        ("data:text/html,<script>", "knowledge/hours"),
        ("//evil.example/x", "knowledge/hours"),
        (None, "knowledge/hours"),
    ],
)
def test_citation_links_are_http_or_our_own_page_view(url: str | None, href: str) -> None:
    assert render.safe_href(cite(url=url)) == href


def test_attribute_values_are_quoted_safely() -> None:
    html = render.sources_html((cite(url='https://x.example/"onmouseover=alert(1)'),))

    assert '"onmouseover' not in html
    assert "&quot;onmouseover" in html


@pytest.mark.parametrize(
    ("text", "hrefs"),
    [
        ("Call 911 now.", ["tel:911"]),
        ("Call or text 988.", ["tel:988", "sms:988"]),
        ("Poison Help: 1-800-222-1222.", ["tel:+18002221222"]),
        ("Reach us at (410) 555-2368.", ["tel:+14105552368"]),
        ("Call 911, then 988.", ["tel:911", "tel:988", "sms:988"]),
    ],
)
def test_every_number_in_a_reply_is_a_tap_to_call_link(text: str, hrefs: list[str]) -> None:
    html = render.reply_html(Reply("q", "fallback", text), clinic_phone="410-555-2368")

    assert re.findall(r'href="((?:tel|sms):[^"]+)"', html) == hrefs


def test_a_visitors_numbers_are_never_links() -> None:
    assert "href" not in render.visitor_html("my number is 911 and 410-555-2368")


def test_welcome_shows_only_the_published_contact_details() -> None:
    bare = render.welcome_html(ClinicContact("The Mood Center"))
    full = render.welcome_html(
        ClinicContact("The Mood Center", "410-555-2368", "1 Dock St", "https://mood.test/h")
    )

    assert "reach us directly" not in bare and 'href="tel:911"' in bare
    assert 'href="sms:988"' in bare
    assert 'href="tel:+14105552368"' in full and "1 Dock St" in full
    assert 'href="https://mood.test/h"' in full


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_reminder_closing_an_answer_is_one_small_line(lang: str) -> None:
    from bot.answer.compose import answer_text
    from bot.triage.replies import text

    reminder = text("reminder", lang)
    reminded = render.reply_html(
        Reply("q", "answer", answer_text((cite(),), reminder=reminder), (cite(),))
    )
    quiet = render.reply_html(Reply("q", "answer", answer_text((cite(),)), (cite(),)))

    assert reminded.count(reminder) == 1
    assert f'<p class="reminder">{reminder}</p>' in reminded
    assert "reminder" not in quiet
