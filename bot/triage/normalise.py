"""Visitor text as the triage layers read it: plain, lower-case, accents folded, texting expanded.

The rewrites are data (rules/spelling.yaml); this module only applies them. Language detection
reads the raw text instead, because folding accents and expanding "q" would blur Spanish.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

SPELLING_FILE = Path(__file__).parent / "rules" / "spelling.yaml"

_MARKUP_HINT = re.compile(r"<[a-zA-Z!/?]|&#?[a-zA-Z0-9]+;")
_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′`´"} | {c: '"' for c in "“”„‟″"})
_HELD_KEY = re.compile(r"([^\W\d_])\1{2,}")  # a key held down: "pleeease", "helllp"
_TOKEN = re.compile(r"[\w]+(?:'[\w]+)*")


class SpellingFile(BaseModel):
    """rules/spelling.yaml: token rewrites (texting forms, misspellings) and phrase rewrites."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    texting: dict[str, str] = {}
    misspellings: dict[str, str] = {}
    phrases: dict[str, str] = {}

    @field_validator("texting", "misspellings")
    @classmethod
    def _single_tokens(cls, value: dict[str, str]) -> dict[str, str]:
        for key, replacement in value.items():
            if not _TOKEN.fullmatch(str(key)) or str(key) != str(key).lower():
                raise ValueError(f"{key!r} must be one lower-case word")
            if not str(replacement).strip():
                raise ValueError(f"{key!r} has an empty replacement")
        return value


@dataclass(frozen=True)
class Rewrites:
    """The compiled spelling file."""

    tokens: dict[str, str]
    phrases: tuple[tuple[re.Pattern[str], str], ...]


def load_rewrites(path: Path | None = None) -> Rewrites:
    """Validate and compile the spelling file (TriageDataError with the line when it is bad)."""
    from bot.triage import rules
    from bot.triage.rules import load_yaml_model  # one YAML loader for every data file

    default = rules.RULES_DIR / SPELLING_FILE.name  # follows RULES_DIR (tests point it elsewhere)
    spelling: SpellingFile = load_yaml_model(path or default, SpellingFile)
    tokens = {str(k): str(v) for k, v in {**spelling.texting, **spelling.misspellings}.items()}
    phrases = tuple(
        (re.compile(rf"(?<!\w){re.escape(fold_accents(k))}(?!\w)"), v)
        for k, v in spelling.phrases.items()
    )
    return Rewrites(tokens, phrases)


@lru_cache(maxsize=1)
def default_rewrites() -> Rewrites:
    """The shipped spelling file, loaded once."""
    return load_rewrites()


def strip_markup(text: str) -> str:
    """The visible text of a message that contains HTML; entities can hide tags, so unwrap a few
    layers. bs4 is imported only for such a message (10 MB and 0.1 s that serving a plain
    question does not need)."""
    for _ in range(3):
        if not _MARKUP_HINT.search(text):
            break
        from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(text, "html.parser")
        for element in soup(["script", "style", "template"]):
            element.decompose()
        text = soup.get_text(" ")
    return text


def visible(text: str) -> str:
    """NFKC text without format characters (zero-width, soft hyphen, bidi marks: they can split a
    word to dodge a rule); control characters become spaces."""
    text = unicodedata.normalize("NFKC", text)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        kept.append(" " if category == "Cc" else ch)
    return "".join(kept).translate(_QUOTES)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    # Only Latin letters lose their marks: Hangul also decomposes under NFD, into jamo.
    if decomposed[0].isascii() and len(decomposed) > 1:
        return decomposed[0]
    return ch


def fold_accents(text: str) -> str:
    """ "más" -> "mas", "tự" -> "tu"; other scripts unchanged."""
    if text.isascii():
        return text
    return "".join(_fold_char(ch) for ch in text)


def plain(message: str) -> str:
    """Lower-case visible text with single spaces and accents kept (for the multilingual rules)."""
    text = visible(strip_markup(message)).lower()
    text = _HELD_KEY.sub(r"\1\1", text)
    return re.sub(r"\s+", " ", text).strip()


def normalise(message: str, rewrites: Rewrites | None = None) -> str:
    """The message as the English/Spanish rules and the classifier read it."""
    return normalise_plain(plain(message), rewrites)


def normalise_plain(text: str, rewrites: Rewrites | None = None) -> str:
    """`normalise` of a text that is already `plain` (saves redoing the markup and NFKC work)."""
    rewrites = rewrites or default_rewrites()
    text = fold_accents(text)
    text = _TOKEN.sub(lambda m: rewrites.tokens.get(m.group(0), m.group(0)), text)
    for pattern, replacement in rewrites.phrases:
        text = pattern.sub(replacement, text)
    return text
