"""The clinic's contact details: required configuration, checked at load, never a placeholder.

A visitor in trouble must see the clinic's real number or none at all, so a made-up value
("555-0100", "Your Clinic") stops the start-up with a message naming the setting, and an
optional detail the clinic has not published is left out rather than invented. The details
come from `clinic.toml` (shipped with what the clinic publishes on its site), and each
`CLINICBOT_CLINIC_*` variable overrides its line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# The keys of clinic.toml and the environment variables that override them.
FILE_KEYS = {
    "name": "CLINICBOT_CLINIC_NAME",
    "phone": "CLINICBOT_CLINIC_PHONE",
    "address": "CLINICBOT_CLINIC_ADDRESS",
    "hours_url": "CLINICBOT_CLINIC_HOURS_URL",
}

# Values that are templates or fiction, not a clinic's details. 555-0100..0199 is the range
# North America reserves for fiction; the words are what configuration templates say.
_PLACEHOLDER_WORDS = re.compile(
    r"\b(example|sample|placeholder|todo|tbd|changeme|change[- ]me|lorem|ipsum|fixme|xxx+"
    r"|your (clinic|practice|company|business|name|address|street|city)|clinic name"
    r"|123 main st(reet)?)\b",
    re.IGNORECASE,
)
_FICTION_NUMBER = re.compile(r"555\D?01\d\d")
_SAME_DIGIT = re.compile(r"^(\d)\1+$")


class ClinicConfigError(ValueError):
    """A clinic detail is missing or a placeholder; the message names the setting to fix."""


@dataclass(frozen=True)
class ClinicContact:
    """How visitors reach the clinic. Only `name` is required; empty fields are not shown."""

    name: str
    phone: str = ""
    address: str = ""
    hours_url: str = ""

    def contact_line(self) -> str:
        """The details the clinic published, on one line ("" when it published none)."""
        parts = []
        if self.phone:
            parts.append(f"call {self.phone}")
        if self.address:
            parts.append(self.address)
        if self.hours_url:
            parts.append(f"opening hours: {self.hours_url}")
        return "; ".join(parts)


def _where(key: str, source: Path | None) -> str:
    return f"{FILE_KEYS[key]} (or `{key}` in {source or 'clinic.toml'})"


def _placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER_WORDS.search(value)) or bool(_FICTION_NUMBER.search(value))


def _check_phone(phone: str, where: str) -> None:
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) < 7 or len(digits) > 15 or re.search(r"[A-Za-z]", phone):
        raise ClinicConfigError(f"{where}: {phone!r} is not a phone number")
    if _FICTION_NUMBER.search(phone) or _SAME_DIGIT.match(digits) or "1234567" in digits:
        raise ClinicConfigError(
            f"{where}: {phone!r} is a placeholder; set the clinic's real number or leave it empty"
        )


def checked_contact(values: dict[str, str], source: Path | None = None) -> ClinicContact:
    """A ClinicContact from raw values, or ClinicConfigError naming the first bad setting."""
    clean = {key: (values.get(key) or "").strip() for key in FILE_KEYS}
    if not clean["name"]:
        raise ClinicConfigError(f"the clinic's name is required: set {_where('name', source)}")
    for key in ("name", "address"):
        if clean[key] and _placeholder(clean[key]):
            raise ClinicConfigError(
                f"{_where(key, source)}: {clean[key]!r} is a placeholder; set the clinic's "
                "real value" + (" or leave it empty" if key != "name" else "")
            )
    if clean["phone"]:
        _check_phone(clean["phone"], _where("phone", source))
    if clean["hours_url"]:
        parts = urlsplit(clean["hours_url"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ClinicConfigError(
                f"{_where('hours_url', source)}: {clean['hours_url']!r} is not an http(s) link"
            )
        if _placeholder(parts.netloc.replace(".", " ")):
            raise ClinicConfigError(
                f"{_where('hours_url', source)}: {clean['hours_url']!r} is a placeholder"
            )
    return ClinicContact(**clean)


def read_clinic_file(path: Path) -> dict[str, str]:
    """The [clinic] table of a TOML file ({} if the file does not exist)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ClinicConfigError(f"{path}: not valid TOML ({e})") from e
    table = data.get("clinic", {})
    unknown = sorted(set(table) - set(FILE_KEYS))
    if unknown:
        raise ClinicConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)} in [clinic]; "
            f"known: {', '.join(FILE_KEYS)}"
        )
    return {key: str(value) for key, value in table.items()}
