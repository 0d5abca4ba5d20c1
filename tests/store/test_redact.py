"""redact(): personal data out of logged questions; helplines, doses and durations left alone."""

import pytest

from bot.redact import PUBLIC_HELPLINES, redact

CASES = [
    # phones, US formats
    ("call me at 555-123-4567 please", "call me at [phone] please"),
    ("my cell is (555) 123-4567", "my cell is [phone]"),
    ("555.123.4567", "[phone]"),
    ("5551234567", "[phone]"),
    ("1-555-123-4567", "[phone]"),
    ("1 (555) 123-4567 is mine", "[phone] is mine"),
    ("+1 555 123 4567", "[phone]"),
    ("reach me on 555-1234.", "reach me on [phone]."),
    # phones, international
    ("+44 20 7946 0958", "[phone]"),
    ("+44 (0)20 7946 0958 evenings", "[phone] evenings"),
    ("+49 30 1234567", "[phone]"),
    ("+33 1 23 45 67 89", "[phone]"),
    ("0161 496 0000", "[phone]"),
    ("+4915112345678", "[phone]"),
    # emails
    ("email jane.doe@example.com thanks", "email [email] thanks"),
    ("J_Smith+clinic@mail.example.co.uk", "[email]"),
    ("john1985@example.org or 555-123-4567", "[email] or [phone]"),
    # dates and dates of birth
    ("DOB 03/14/1985", "DOB [date]"),
    ("born 1985-03-14", "born [date]"),
    ("my birthday is March 14, 1985", "my birthday is [date]"),
    ("DOB 3-14-85", "DOB [date]"),
    ("date of birth: 14 March 1985", "date of birth: [date]"),
    ("D.O.B. 3.14.85", "D.O.B. [date]"),
    ("I was born on March 14th", "I was born on [date]"),
    ("seen on 3/14/85 and again", "seen on [date] and again"),
    ("14.03.1985", "[date]"),
    ("Sept. 3, 1990", "[date]"),
    ("on the 2nd of June 2001", "on the [date]"),
    ("appointment 2024/11/05?", "appointment [date]?"),
    # near misses: must survive untouched
    ("If this is an emergency call 911.", None),
    ("Call or text 988 any time.", None),
    ("Poison Help line: 1-800-222-1222, 24 hours a day", None),
    ("1 (800) 222-1222", None),
    ("SAMHSA: 1-800-662-4357", None),
    ("Most people need 2 infusions.", None),
    ("Results may take 6 weeks.", None),
    ("Treatment runs 6-8 weeks with 2-3 sessions a week", None),
    ("I took 20 mg twice a day", None),
    ("We treated patients from 2010-2015", None),
    ("ages 18-65", None),
    ("Sessions last 45-60 minutes, 5-10-15 min breaks", None),
    ("at 3:30 pm", None),
    ("It costs $1,500 per course", None),
    ("Scores of 10 20 30 40 were seen", None),
    ("I was diagnosed in 2019, in March 2020 it got worse", None),
    ("Take 1/2 a tablet 24/7", None),
    ("version 1.5.10 of the form", None),
    ("room 101, suite 1200", None),
    ("zip 02139", None),
    ("I may 5 times a week", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_redact_replaces_personal_data_and_keeps_the_rest(text: str, expected: str | None) -> None:
    assert redact(text) == (text if expected is None else expected)


def test_every_public_helpline_survives_in_common_formats() -> None:
    for digits in PUBLIC_HELPLINES:
        for shown in (
            f"1-{digits[:3]}-{digits[3:6]}-{digits[6:]}",
            f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
            f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}",
        ):
            assert redact(f"call {shown} now") == f"call {shown} now"


def test_keep_numbers_leaves_the_clinics_own_number() -> None:
    text = "I called 555-867-5309 and gave them 555-123-4567"
    assert redact(text, keep_numbers=["(555) 867-5309"]) == (
        "I called 555-867-5309 and gave them [phone]"
    )


def test_redact_is_idempotent() -> None:
    once = redact("DOB 03/14/1985, call +44 20 7946 0958 or a@b.co")
    assert redact(once) == once


# Written forms an outside probe found missed (issue 18), and their relatives: each row is
# how a visitor might type it, and what must be stored or logged instead.
WRITTEN_FORMS = [
    # phones with the separators people actually type
    ("555_123_4567", "[phone]"),
    ("call 555/123/4567 after 5", "call [phone] after 5"),
    ("555–123–4567", "[phone]"),  # en dash
    ("555—123—4567", "[phone]"),  # em dash
    ("(555)_123_4567", "[phone]"),
    ("+1–555–123–4567", "[phone]"),
    ("1_800_555_0199 is my work line", "[phone] is my work line"),
    ("my cell: 212 555 0148", "my cell: [phone]"),
    ("2125550148", "[phone]"),
    ("212.555.0148 ext. 22", "[phone]"),
    ("555-123-4567 x305", "[phone]"),
    ("+44 7700 900123", "[phone]"),
    ("+61 2 9876 5432", "[phone]"),
    ("+52 55 1234 5678", "[phone]"),
    ("tel:+15551234567", "tel:[phone]"),
    ("555 – 123 – 4567", "[phone]"),
    # e-mail addresses with spaces and spelled-out symbols
    ("jane.doe @ example.com", "[email]"),
    ("jane.doe@ example.com", "[email]"),
    ("jane.doe @example.com", "[email]"),
    ("write to jane (at) example (dot) com", "write to [email]"),
    ("jane[at]example[dot]org please", "[email] please"),
    ("JANE.DOE@EXAMPLE.COM", "[email]"),
    ("mail: j.doe+migraine@clinic-mail.example.co.uk.", "mail: [email]."),
    ("bob_smith @ mail . example . com", "[email]"),
    # dates and date-times
    ("2024-11-05T14:30:00Z", "[date]"),
    ("seen 2024-11-05T14:30:00.123+01:00 by", "seen [date] by"),
    ("2024-11-05 14:30", "[date]"),
    ("1985-03-14T08:00", "[date]"),
    ("at 2025-01-02 09:15:00 UTC", "at [date]"),
    ("DOB: 14/03/1985", "DOB: [date]"),
    ("born 03.14.1985", "born [date]"),
    ("dob 3/14", "dob [date]"),
    ("my date of birth is 1985/03/14", "my date of birth is [date]"),
    ("birthday: Jan 5th", "birthday: [date]"),
    ("December 25, 1990", "[date]"),
    ("25th December 1990", "[date]"),
    ("on 5 Feb. 2001", "on [date]"),
    # social security numbers
    ("SSN 123-45-6789", "SSN [ssn]"),
    ("my social is 123 45 6789", "my social is [ssn]"),
    ("ssn: 123456789", "ssn: [ssn]"),
    ("social security number 078051120", "social security number [ssn]"),
    ("078-05-1120.", "[ssn]."),
    # payment cards (Luhn-valid test numbers)
    ("card 4111 1111 1111 1111 exp 12/29", "card [card] exp 12/29"),
    ("4111-1111-1111-1111", "[card]"),
    ("4111111111111111", "[card]"),
    ("amex 3782 822463 10005", "amex [card]"),
    ("5555555555554444", "[card]"),
    ("6011 0009 9013 9424", "[card]"),
    ("visa 4012888888881881!", "visa [card]!"),
    ("3530111333300000", "[card]"),
    # several at once
    (
        "I'm Ann, 555_123_4567, ann @ example.com, DOB 1985-03-14",
        "I'm Ann, [phone], [email], DOB [date]",
    ),
    ("SSN 123-45-6789 and card 4111 1111 1111 1111", "SSN [ssn] and card [card]"),
]

# Look-alikes that must stay: not personal data, or needed to read the conversation.
WRITTEN_NEAR_MISSES = [
    "4111 1111 1111 1112",  # fails the Luhn check: not a card
    "order 1234 5678 9012 3456",  # not Luhn-valid either
    "Take 1/2 a tablet 24/7",
    "I rate the pain 7/10",
    "doses of 0.5 mg/kg over 40 minutes",
    "between 2–3 sessions",
    "in 2019–2020",
    "call 911_now",
    "email me at the clinic",
    "the @ sign",
    "ages 18–65",
    "Poison Help line: 1–800–222–1222",
]


@pytest.mark.parametrize(("text", "expected"), WRITTEN_FORMS)
def test_written_forms_of_personal_data_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", WRITTEN_NEAR_MISSES)
def test_written_look_alikes_are_kept(text: str) -> None:
    assert redact(text) == text


def test_the_table_has_at_least_50_written_forms() -> None:
    assert len(WRITTEN_FORMS) >= 50
