"""Redaction of personal data in visitor text before it is stored or logged.

`redact(text)` replaces e-mail addresses (also written with spaces or "(at)" around the @)
with `[email]`, dates and date-times (dates of birth above all) with `[date]`, US social
security numbers with `[ssn]`, payment card numbers (Luhn-checked) with `[card]` and phone
numbers with `[phone]`. It is a pure function of its input, run on every question before it
reaches the database and on every log line (`bot.logs.RedactFilter`).

What stays, on purpose:
- Public helplines (911, 988, the Poison Help line 1-800-222-1222 and the others in
  `PUBLIC_HELPLINES`) are not personal data, and staff reviewing an emergency conversation
  need to see which number the visitor mentioned. Callers can add more (the clinic's own
  number) with `keep_numbers`.
- Short numbers and number-like phrases that are not phones: doses, counts, durations,
  year ranges ("2 infusions", "6 weeks", "2010-2015", "ages 18-65", "3:30 pm").
- A year on its own or a month and year ("in 2019", "March 2020"): too coarse to identify.

Phone numbers are found twice and both are redacted: by Google's libphonenumber
(`phonenumbers`, US region, "possible" leniency: national and +international formats,
extensions) and by the regexes below, which also catch national formats of other countries
("0161 496 0000") that a US-region matcher cannot place. Separators people type between
digit groups (`_`, `/`, en and em dashes) are read as hyphens first.
Dates, SSNs and cards have no kept library that fits without large NER models (presidio,
spaCy), so they are a table of regexes, each visible and tested row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

# Digits of public helplines, without the NANP country code "1".
PUBLIC_HELPLINES: dict[str, str] = {
    "8002221222": "Poison Help line",
    "8002738255": "former National Suicide Prevention Lifeline (1-800-273-TALK)",
    "8006624357": "SAMHSA National Helpline (1-800-662-HELP)",
    "8007997233": "National Domestic Violence Hotline",
    "8006564673": "RAINN National Sexual Assault Hotline",
    "8009855990": "Disaster Distress Helpline",
}

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"

EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![\w-])"
)

# Written to dodge filters or by habit: "jane.doe @ example.com", "jane (at) example (dot) com".
EMAIL_SPACED = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*\s*(?:@|\(at\)|\[at\])\s*"
    r"(?:[A-Za-z0-9-]+\s*(?:\.|\(dot\)|\[dot\])\s*)+[A-Za-z]{2,}(?![\w-])",
    re.I,
)

# ISO 8601 and similar date-times: 2024-11-05T14:30:00Z, 2024-11-05 14:30, 1985-03-14T08:00+01:00.
DATE_TIME = re.compile(
    r"(?<![\w/.-])(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?))?(?![\w:])",
    re.I,
)

# US social security numbers: 123-45-6789, 123 45 6789; nine bare digits only after a label.
SSN = re.compile(
    r"(?<![\w+-])(?:\d{3}([- ])\d{2}\1\d{4}"
    r"|(?<=ssn )\d{9}|(?<=ssn: )\d{9}|(?<=ssn# )\d{9}|(?<=security number )\d{9})(?![\w-])",
    re.I,
)

# Payment cards: 13-19 digits, optionally in groups split by spaces or hyphens; kept only if
# the Luhn checksum holds (most 16-digit strings are not card numbers).
CARD = re.compile(r"(?<![\w+-])\d(?:[ -]?\d){12,18}(?![\w-])")

# Separators typed between digit groups that the phone rules read as "-" (same length, so
# positions found in the translated text hold in the original).
_PHONE_SEPARATORS = str.maketrans(dict.fromkeys("_/\u2010\u2011\u2012\u2013\u2014\u2212", "-"))

# Numeric dates: 03/14/1985, 3/14/85, 14.03.1985, 3-14-1985, 1985-03-14, 1985/3/14.
_NUMERIC_DATE = (
    r"(?:\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})"  # slashes: three parts are always a date
    r"|\d{1,2}[.-]\d{1,2}[.-]\d{4}"  # dots/hyphens need a 4-digit year ("5-10-15 minutes")
    r"|(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})"  # year first
)
# Written dates: "March 14, 1985", "Mar 14th 1985", "14 March 1985", "14th of March, 1985".
_WORDED_DATE = rf"(?:{_MONTHS}\s+{_DAY},?\s+{_YEAR}|{_DAY}\s+(?:of\s+)?{_MONTHS},?\s+{_YEAR})"
DATE = re.compile(rf"(?<![\w/.-])(?:{_NUMERIC_DATE}|{_WORDED_DATE})(?![\w/-]|\.\d)", re.I)

# After "DOB", "date of birth", "born (on)", "birthday": looser shapes count as a date too
# ("DOB 3-14-85", "born on March 14").
BIRTH_DATE = re.compile(
    r"(?P<label>\b(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday(?:\s+is)?"
    r"|born(?:\s+on)?)\s*[:-]?\s*)"
    rf"(?P<date>{_NUMERIC_DATE}|{_WORDED_DATE}|\d{{1,2}}[/.-]\d{{1,2}}(?:[/.-]\d{{2}})?"
    rf"|{_MONTHS}\s+{_DAY}|{_DAY}\s+(?:of\s+)?{_MONTHS})(?![\w/-]|\.\d)",
    re.I,
)

# Phone shapes, most specific first; the first that matches at a position wins.
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?P<intl>\+\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,5})){1,6})"  # +44 20 7946 0958
    r"|(?P<nanp>(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-]?)\d{3}[ .-]?\d{4})"  # (555) 123-4567
    r"|(?P<grouped>\d{2,5}(?:[ .-]\d{2,5}){2,5})"  # 0161 496 0000; needs 10+ digits
    r"|(?P<local>\d{3}[.-]\d{4})"  # 555-1234
    r"|(?P<run>\d{7,15})"  # 5551234567
    r")(?!\w|[.-]\d)"
)


def redact(text: str, keep_numbers: Iterable[str] = ()) -> str:
    """`text` with e-mails, dates, SSNs, card and phone numbers replaced by [email], [date],
    [ssn], [card] and [phone].

    `keep_numbers` are extra phone numbers (any formatting) to leave as they are, e.g. the
    clinic's own number; public helplines are always kept.
    """
    keep = {_national_digits(n) for n in keep_numbers} | set(PUBLIC_HELPLINES)
    text = EMAIL.sub("[email]", text)
    text = EMAIL_SPACED.sub("[email]", text)
    text = DATE_TIME.sub("[date]", text)
    text = BIRTH_DATE.sub(lambda m: m.group("label") + "[date]", text)
    text = DATE.sub("[date]", text)
    text = SSN.sub("[ssn]", text)
    text = CARD.sub(_card_or_keep, text)
    return _redact_phones(text, keep)


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_or_keep(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group(0)


def _redact_phones(text: str, keep: set[str]) -> str:
    """Replace every phone number that libphonenumber or the regexes find (spans merged)."""
    view = text.translate(_PHONE_SEPARATORS)
    spans: list[tuple[int, int]] = []
    for m in PHONE.finditer(view):
        if _is_phone(m, keep):
            spans.append((m.start(), m.end()))
    matcher = phonenumbers.PhoneNumberMatcher(view, "US", leniency=phonenumbers.Leniency.POSSIBLE)
    for found in matcher:
        inside_word = (found.start > 0 and view[found.start - 1].isalnum()) or (
            found.end < len(view) and view[found.end].isalnum()
        )  # digits inside a hex id or a code, not a phone number
        if not inside_word and _national_digits(re.sub(r"\D", "", found.raw_string)) not in keep:
            spans.append((found.start, found.end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        text = text[:start] + "[phone]" + text[end:]
    return text


def _national_digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _is_phone(match: re.Match[str], keep: set[str]) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    if not 7 <= len(digits) <= 15 or _national_digits(digits) in keep:
        return False
    # "10 20 30 40", "2010 2015 20": lists of numbers, not phones
    return not (match.group("grouped") and len(digits) < 10)
