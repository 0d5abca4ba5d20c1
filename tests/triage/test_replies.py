"""Layer 6: the replies. Help numbers per language, as links, and the safety-net line on every
reply that is not an answer."""

from __future__ import annotations

import pytest

from bot.links import phone_links
from bot.triage.decision import Decision
from bot.triage.replies import reply_text, safety_net, topic_notice
from bot.types import Reply

SAFETY_NET_EN = "If this is an emergency call 911; in crisis call or text 988."
NON_ANSWER = [
    Decision("emergency", "t", "emergency.self_harm", "en", "self_harm"),
    Decision("emergency", "t", "emergency.overdose_poisoning", "en", "overdose_poisoning"),
    Decision("emergency", "t", "emergency.medical", "en", "medical"),
    Decision("advice", "t", "advice", "en"),
    Decision("appointment", "t", "appointment", "en"),
    Decision("smalltalk", "t", "smalltalk", "en"),
    Decision("smalltalk", "t", "smalltalk.thanks", "en"),
    Decision("smalltalk", "t", "smalltalk.farewell", "en"),
]


@pytest.mark.parametrize("decision", NON_ANSWER, ids=lambda d: d.template)
@pytest.mark.parametrize("lang", ["en", "es", "vi"])
def test_every_non_answer_ends_with_the_safety_net(decision: Decision, lang: str) -> None:
    from dataclasses import replace

    text = reply_text(replace(decision, lang=lang))
    assert text.rstrip().endswith(safety_net(lang))
    links = {link.tel for link in phone_links(text)}
    assert {"tel:911", "tel:988"} <= links


def test_the_english_safety_net_is_the_one_the_issue_names() -> None:
    assert safety_net("en") == SAFETY_NET_EN
    assert safety_net("fr") == SAFETY_NET_EN


def test_spanish_crisis_reply_gives_988_press_2_and_text_ayuda() -> None:
    text = reply_text(Decision("emergency", "t", "emergency.self_harm", "es", "self_harm"))
    assert text.startswith("Llame al 911")
    assert "oprima 2" in text and "AYUDA" in text and "988" in text


def test_spanish_poisoning_reply_gives_poison_help_with_interpreters() -> None:
    text = reply_text(
        Decision("emergency", "t", "emergency.overdose_poisoning", "es", "overdose_poisoning")
    )
    assert "1-800-222-1222" in text and "intérpretes" in text


def test_other_languages_get_the_english_reply_and_the_languages_line() -> None:
    text = reply_text(Decision("emergency", "t", "emergency.medical", "ko", "medical"))
    assert text.startswith("Call 911")
    assert "answers in English and Spanish" in text


@pytest.mark.parametrize(
    "decision",
    [
        Decision("emergency", "t", "emergency.self_harm", "en", "self_harm"),
        Decision("emergency", "t", "emergency.overdose_poisoning", "es", "overdose_poisoning"),
    ],
)
def test_emergency_numbers_are_tel_and_sms_links_in_the_json(decision: Decision) -> None:
    reply = Reply("q", "emergency", reply_text(decision))
    hrefs = {link["href"] for link in reply.to_json()["links"]}
    assert {"tel:911", "tel:988", "sms:988"} <= hrefs
    if decision.sub == "overdose_poisoning":
        assert "tel:+18002221222" in hrefs


def test_an_answer_touching_a_crisis_topic_leads_with_988() -> None:
    notice = topic_notice(Decision("question", "t", "", "en", None, "self_harm"))
    assert "988" in notice
    assert topic_notice(Decision("question", "t", "", "en")) == ""


def test_a_question_has_no_template_text() -> None:
    with pytest.raises(ValueError):
        reply_text(Decision("question", "t", "", "en"))


@pytest.mark.parametrize(
    "message, opening",
    [
        ("hi there", "Hello!"),
        ("thanks!! that really helped", "You're welcome!"),
        ("ok bye", "Take care!"),
        ("muchas gracias", "¡De nada!"),
        ("hola", "¡Hola!"),
    ],
)
def test_small_talk_is_answered_in_kind(message: str, opening: str) -> None:
    """A visitor who says thank you is not greeted as if they had just arrived."""
    from bot.triage import triage

    decision = triage(message)
    assert decision.kind == "smalltalk"
    text = reply_text(decision)
    assert text.startswith(opening)
    assert text.rstrip().endswith(safety_net(decision.lang))
