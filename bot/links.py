"""Phone numbers in reply text as tappable links: emergency lines and the clinic's own number.

One pure function finds them, so the chat (HTML), the API and `bot.ask --json` all link the
same numbers. A person in crisis on a phone must be able to tap 988 rather than retype it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Where a number may stand: not inside a longer number or word ("9110", "x911").
_EDGE_BEFORE = r"(?<![\w-])"
_EDGE_AFTER = r"(?![\w-]|\.\d)"
# The published lines, in the forms people and our own templates write them.
_EMERGENCY = re.compile(
    _EDGE_BEFORE
    + r"(?:(?P<poison>1[-. ]?800[-. ]?222[-. ]?1222|\(?800\)?[-. ]?222[-. ]?1222)"
    + r"|(?P<n911>911)|(?P<n988>988))"
    + _EDGE_AFTER
)


@dataclass(frozen=True)
class PhoneLink:
    """One number in a text: where it is, and the hrefs that call (and text) it."""

    start: int
    end: int
    text: str  # as written in the reply, e.g. "1-800-222-1222"
    tel: str  # "tel:+18002221222"
    sms: str | None = None  # "sms:988" for the Crisis Lifeline, which takes texts

    def to_json(self) -> list[dict[str, str]]:
        """The API form: one {text, href} per way to reach the number."""
        hrefs = [self.tel] + ([self.sms] if self.sms else [])
        return [{"text": self.text, "href": href} for href in hrefs]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def clinic_number_pattern(phone: str) -> re.Pattern[str] | None:
    """A pattern for the clinic's configured number in the usual spacings, or None if unusable."""
    digits = _digits(phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    sep = r"[-. ]?"
    return re.compile(
        _EDGE_BEFORE
        + rf"(?:\+?1{sep})?(?:\({area}\)\s?|{area}{sep}){exchange}{sep}{line}"
        + _EDGE_AFTER
    )


def phone_links(text: str, clinic_phone: str = "") -> tuple[PhoneLink, ...]:
    """Every emergency number (911, 988, Poison Help) and the clinic's number in `text`."""
    found: list[PhoneLink] = []
    for m in _EMERGENCY.finditer(text):
        if m.group("poison"):
            found.append(PhoneLink(m.start(), m.end(), m.group(0), "tel:+18002221222"))
        elif m.group("n911"):
            found.append(PhoneLink(m.start(), m.end(), "911", "tel:911"))
        else:
            found.append(PhoneLink(m.start(), m.end(), "988", "tel:988", "sms:988"))
    pattern = clinic_number_pattern(clinic_phone) if clinic_phone else None
    if pattern is not None:
        taken = [(link.start, link.end) for link in found]
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            digits = _digits(m.group(0))
            digits = digits if digits.startswith("1") and len(digits) == 11 else "1" + digits
            found.append(PhoneLink(m.start(), m.end(), m.group(0), f"tel:+{digits}"))
    return tuple(sorted(found, key=lambda link: link.start))
