"""Which language a message is written in: py3langid, restricted to languages a US clinic meets.

Short messages ("ayuda", "help pls") are where identifiers guess wildly, so below a few words or
at low confidence we fall back to marker words and characters from rules/lang.yaml and, failing
those, to English: the English emergency reply is the safest default.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.triage.normalise import fold_accents, plain

LANG_FILE = Path(__file__).parent / "rules" / "lang.yaml"


class LangFile(BaseModel):
    """rules/lang.yaml: the candidate languages and the short-text fallback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidates: list[str]
    min_words: int
    min_confidence: float
    spanish_markers: list[str]
    # Written by no other candidate language: Spanish whatever the identifier says.
    spanish_only_characters: list[str]


@lru_cache(maxsize=1)
def _settings() -> LangFile:
    from bot.triage import rules

    return rules.load_yaml_model(rules.RULES_DIR / LANG_FILE.name, LangFile)


@lru_cache(maxsize=1)
def _identifier():  # py3langid's LanguageIdentifier; loaded once (about 60 ms)
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(_settings().candidates)
    return identifier


@lru_cache(maxsize=1)
def _markers() -> re.Pattern[str]:
    words = "|".join(re.escape(fold_accents(w)) for w in _settings().spanish_markers)
    # ¿ and ¡ are decided earlier (`spanish_only_characters`); ñ only marks a short message.
    return re.compile(rf"ñ|(?<!\w)(?:{words})(?!\w)")


def detect(message: str) -> str:
    """ISO 639-1 code of the message's language: "en", "es", or another candidate."""
    return detect_plain(plain(message))


def detect_plain(text: str) -> str:
    """`detect` for a text that is already `plain`."""
    if not re.search(r"[^\W\d_]", text):
        return "en"
    settings = _settings()
    latin = not re.search(r"[^\x00-\u024f\u1e00-\u1eff]", text)
    if latin and any(ch in text for ch in settings.spanish_only_characters):
        return "es"  # py3langid alone is sure "me duele la cabeza, ¿qué hago?" is French
    code, confidence = _identifier().classify(text)
    marked = bool(_markers().search(fold_accents(text)))
    short = len(text.split()) < settings.min_words
    if latin and (short or float(confidence) < settings.min_confidence) and code != "vi":
        return "es" if marked else "en"
    return str(code)


def warm_up() -> None:
    """Load the identifier now (at start-up) rather than on the first visitor's message."""
    _identifier()
