"""The appointment form: what counts as valid, the messages shown, and how input is cleaned."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.store.visitor.appointments import (
    REFERENCE_PATTERN,
    clean,
    new_reference,
    validate,
)

from .conftest import SAMPLE_FORM

GOOD = SAMPLE_FORM

# (changes to GOOD, fields expected to have an error)
CASES: list[tuple[dict[str, object], set[str]]] = [
    ({}, set()),
    ({"email": ""}, set()),  # phone alone is enough
    ({"phone": ""}, set()),  # email alone is enough
    ({"phone": "", "email": ""}, {"phone", "email"}),
    ({"phone": "  ", "email": "\t"}, {"phone", "email"}),
    ({"name": ""}, {"name"}),
    ({"name": "   "}, {"name"}),
    ({"name": "<b></b>"}, {"name"}),  # nothing left after removing the markup
    ({"name": "x" * 100}, set()),
    ({"name": "x" * 101}, {"name"}),
    ({"consent": False}, {"consent"}),
    ({"phone": "+44 20 7946 0958"}, set()),
    ({"phone": "555.123.4567"}, set()),
    ({"phone": "5551234567"}, set()),
    ({"phone": "555-1234"}, set()),  # 7 digits: a local number
    ({"phone": "123456"}, {"phone"}),  # 6 digits
    ({"phone": "+1234567890123456"}, {"phone"}),  # 16 digits: longer than E.164
    ({"phone": "555-CALL-NOW"}, {"phone"}),
    ({"phone": "555 123 4567 ext 2"}, {"phone"}),
    ({"phone": "++1 555 123 4567"}, {"phone"}),
    ({"phone": "1-2-3-4-5-6-7-8-9-0-1-2-3-4-5"}, set()),  # 15 digits, 29 characters
    ({"phone": "1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 - 9 - 0"}, {"phone"}),  # over 32 characters
    ({"email": "ana@example"}, {"email"}),
    ({"email": "ana.example.com"}, {"email"}),
    ({"email": "ana@@example.com"}, {"email"}),
    ({"email": "ana..p@example.com"}, {"email"}),
    ({"email": ".ana@example.com"}, {"email"}),
    ({"email": "ana@-example.com"}, {"email"}),
    ({"email": "ana p@example.com"}, {"email"}),
    ({"email": "a" * 65 + "@example.com"}, {"email"}),
    ({"email": "first.last+tag@sub.example.co.uk"}, set()),
    ({"email": "ANA@EXAMPLE.COM"}, set()),
    ({"phone": "", "email": "bad"}, {"email"}),
    ({"preferred_time": "x" * 100}, set()),
    ({"preferred_time": "x" * 101}, {"preferred_time"}),
    ({"reason": ""}, set()),
    ({"reason": "x" * 500}, set()),
    ({"reason": "x" * 501}, {"reason"}),
]


@pytest.mark.parametrize(("changes", "error_fields"), CASES)
def test_validate_reports_exactly_the_fields_to_fix(
    changes: dict[str, object], error_fields: set[str]
) -> None:
    errors = validate(replace(GOOD, **changes))  # type: ignore[arg-type]
    assert set(errors) == error_fields
    assert all(message.endswith(".") and len(message) < 100 for message in errors.values())


def test_missing_contact_message_asks_for_phone_or_email() -> None:
    errors = validate(replace(GOOD, phone="", email=""))
    assert "phone number or an email" in errors["phone"]


def test_clean_removes_markup_and_control_characters() -> None:
    dirty = replace(
        GOOD,
        name="  <script>alert(1)</script>Ana\u202e \x00Pérez  ",
        phone="\t(555)\u200b 123-4567 ",
        preferred_time="<img src=x onerror=alert(1)>mornings",
        reason="Line one\r\n\x07Line two &amp; more<br>",
    )
    cleaned = clean(dirty)
    assert cleaned.name == "Ana Pérez"  # script content is dropped with its tags
    assert cleaned.phone == "(555) 123-4567"
    assert cleaned.preferred_time == "mornings"
    assert cleaned.reason == "Line one\nLine two & more"
    assert "<" not in cleaned.name + cleaned.preferred_time + cleaned.reason


def test_clean_keeps_ordinary_punctuation() -> None:
    form = replace(GOOD, name="O'Brien-Smith, Jr.", reason="Is 2 < 3? Yes & no.")
    assert clean(form).name == "O'Brien-Smith, Jr."
    assert clean(form).reason == "Is 2 < 3? Yes & no."


def test_validation_and_cleaning_do_not_change_the_input() -> None:
    form = replace(GOOD, name=" <b>Ana</b> ")
    validate(form)
    clean(form)
    assert form.name == " <b>Ana</b> "


def test_references_use_the_unambiguous_alphabet() -> None:
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    for reference in references:
        assert REFERENCE_PATTERN.match(reference)
        assert not set(reference[4:]) & set("ILOU")
