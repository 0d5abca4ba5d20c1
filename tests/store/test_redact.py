"""redact(): personal data out of logged questions; helplines, doses and durations left alone."""

import pytest

from bot.store.redact import PUBLIC_HELPLINES, redact

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
