"""Redaction of personal data in visitor messages before they are logged: phones, emails, dates.

`redact(text)` replaces e-mail addresses with `[email]`, dates (dates of birth above all) with
`[date]` and phone numbers with `[phone]`. It is a pure function of its input, run on every
question before it reaches the database.

What stays, on purpose:
- Public helplines (911, 988, the Poison Help line 1-800-222-1222 and the others in
  `PUBLIC_HELPLINES`) are not personal data, and staff reviewing an emergency conversation
  need to see which number the visitor mentioned. Callers can add more (the clinic's own
  number) with `keep_numbers`.
- Short numbers and number-like phrases that are not phones: doses, counts, durations,
  year ranges ("2 infusions", "6 weeks", "2010-2015", "ages 18-65", "3:30 pm").
- A year on its own or a month and year ("in 2019", "March 2020"): too coarse to identify.

Why hand-written: no kept library fits. phonenumbers needs a region and still misses the
dates; NER-based scrubbers (presidio, spaCy) pull in large models for three patterns.
The rules below are a table of regexes so each is visible and tested row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
    """`text` with e-mails, dates and phone numbers replaced by [email], [date] and [phone].

    `keep_numbers` are extra phone numbers (any formatting) to leave as they are, e.g. the
    clinic's own number; public helplines are always kept.
    """
    keep = {_national_digits(n) for n in keep_numbers} | set(PUBLIC_HELPLINES)
    text = EMAIL.sub("[email]", text)
    text = BIRTH_DATE.sub(lambda m: m.group("label") + "[date]", text)
    text = DATE.sub("[date]", text)
    return PHONE.sub(lambda m: _phone_or_keep(m, keep), text)


def _national_digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _phone_or_keep(match: re.Match[str], keep: set[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 7 <= len(digits) <= 15 or _national_digits(digits) in keep:
        return match.group(0)
    if match.group("grouped") and len(digits) < 10:
        return match.group(0)  # "10 20 30 40", "2010 2015 20": lists of numbers, not phones
    return "[phone]"
