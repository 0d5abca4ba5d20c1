"""Emergency numbers in replies become tel:/sms: links, and nothing else does."""

from __future__ import annotations

import pytest

from bot.links import phone_links
from bot.types import Reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call 911 now.", [("911", "tel:911", None)]),
        ("call or text 988 (Suicide & Crisis Lifeline)", [("988", "tel:988", "sms:988")]),
        ("Poison Help at 1-800-222-1222 (free)", [("1-800-222-1222", "tel:+18002221222", None)]),
        ("Poison Help: (800) 222-1222", [("(800) 222-1222", "tel:+18002221222", None)]),
        (
            "llame al 911; marque el 988 y oprima 2",
            [("911", "tel:911", None), ("988", "tel:988", "sms:988")],
        ),
        # Not phone numbers: parts of longer numbers, codes, years, amounts.
        ("order 9110 and ref 19880", []),
        ("in 1988 we opened", []),
        ("$988.50", []),
        ("x911", []),
    ],
)
def test_emergency_numbers_are_found_with_their_links(text, expected):
    links = phone_links(text)
    assert [(link.text, link.tel, link.sms) for link in links] == expected
    for link in links:
        assert text[link.start : link.end] == link.text


def test_the_clinic_number_is_linked_in_any_usual_spacing():
    for written in ("(410) 555-0134", "410-555-0134", "410.555.0134", "+1 410 555 0134"):
        links = phone_links(f"Call us at {written} today.", clinic_phone="410-555-0134")
        assert [(link.text, link.tel) for link in links] == [(written, "tel:+14105550134")]


def test_a_clinic_number_is_ignored_when_none_is_configured_or_it_is_unusable():
    assert phone_links("Call us at 410-555-0134.") == ()
    assert phone_links("Call us at 410-555-0134.", clinic_phone="ext. 12") == ()


def test_reply_json_lists_every_link_with_988_also_as_sms():
    reply = Reply("q", "emergency", "Call 911 now. Call or text 988.")
    assert reply.to_json()["links"] == [
        {"text": "911", "href": "tel:911"},
        {"text": "988", "href": "tel:988"},
        {"text": "988", "href": "sms:988"},
    ]
