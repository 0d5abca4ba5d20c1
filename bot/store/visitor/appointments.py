"""The appointment-request form: cleaning, validation with friendly messages, references.

Pure functions: `clean(form)` strips HTML and control characters and trims; `validate(form)`
returns {field: message} for what the visitor must fix (empty when the form is fine). The
store calls both before inserting; the web layer calls `validate` to show inline errors.
`new_reference()` makes the reference number the visitor is given, e.g. APT-7K3M9Q.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import replace

from bot.store.views import AppointmentForm

NAME_MAX = 100
PREFERRED_TIME_MAX = 100
REASON_MAX = 500
EMAIL_MAX = 254
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 7, 15  # E.164 allows at most 15 digits
PHONE_MAX = 32  # characters, separators included (the column's size)

# Digits with the separators people type: spaces, dots, hyphens, brackets; an optional
# leading +. Letters ("ext", vanity numbers) are refused: staff need something to dial.
_PHONE = re.compile(r"^\+?[\d\s().-]+$")
# A pragmatic address check (no kept library ships with the project: email-validator would
# be a new dependency). Dot-atom local part, dotted domain labels, alphabetic TLD.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_SPACES = re.compile(r"[ \t]+")

# Crockford's base32: digits and capitals without I, L, O, U, so a reference read out over
# the phone is not mistaken (1/I/L, 0/O). 32**6 ~ 1e9 references.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 6
REFERENCE_PATTERN = re.compile(rf"^APT-[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}$")


def clean(form: AppointmentForm) -> AppointmentForm:
    """The form with markup and control characters removed and whitespace trimmed."""
    return replace(
        form,
        name=_clean_text(form.name),
        phone=_clean_text(form.phone),
        email=_clean_text(form.email),
        preferred_time=_clean_text(form.preferred_time),
        reason=_clean_text(form.reason, keep_newlines=True),
    )


def validate(form: AppointmentForm) -> dict[str, str]:
    """Field name -> what to fix, for the cleaned form; empty when the form can be stored."""
    form = clean(form)
    errors: dict[str, str] = {}
    if not form.name:
        errors["name"] = "Please tell us your name."
    elif len(form.name) > NAME_MAX:
        errors["name"] = f"Please keep your name under {NAME_MAX} characters."

    if not form.phone and not form.email:
        message = "Please give a phone number or an email address so we can reach you."
        errors["phone"] = errors["email"] = message
    if form.phone and not is_valid_phone(form.phone):
        errors["phone"] = "That phone number doesn't look right. Please check the digits."
    if form.email and not is_valid_email(form.email):
        errors["email"] = "That email address doesn't look right, e.g. name@example.com."

    if len(form.preferred_time) > PREFERRED_TIME_MAX:
        errors["preferred_time"] = f"Please keep this under {PREFERRED_TIME_MAX} characters."
    if len(form.reason) > REASON_MAX:
        errors["reason"] = f"Please keep the reason under {REASON_MAX} characters."
    if not form.consent:
        errors["consent"] = "Please tick the box so the clinic may contact you about this request."
    return errors


def is_valid_phone(phone: str) -> bool:
    """7-15 digits, optional leading +, and only the usual separators."""
    if len(phone) > PHONE_MAX or not _PHONE.match(phone):
        return False
    digits = sum(c.isdigit() for c in phone)
    return PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS


def is_valid_email(email: str) -> bool:
    """A syntactically sound address (deliverability is not checked)."""
    local, _, _domain = email.rpartition("@")
    return len(email) <= EMAIL_MAX and len(local) <= 64 and bool(_EMAIL.match(email))


def _clean_text(value: str, *, keep_newlines: bool = False) -> str:
    if "<" in value or "&" in value:
        # Tags go and entities are decoded; text inside ordinary tags stays ("<b>Ann</b>" -> "Ann"),
        # script and style contents go with their tags. bs4 only now: 10 MB a server without
        # such a form field does not need.
        from bs4 import BeautifulSoup

        value = BeautifulSoup(value, "html.parser").get_text()
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for char in value:
        if char == "\n" and keep_newlines:
            kept.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            # Controls, bidi overrides and zero-width characters: never meaningful in a form.
            kept.append(" " if char in "\t\n\u2028\u2029" else "")
        else:
            kept.append(char)
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(kept).split("\n")]
    if keep_newlines:
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return " ".join(line for line in lines if line)


def new_reference() -> str:
    """A random appointment reference such as APT-7K3M9Q (uniqueness is the store's job)."""
    return "APT-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
