"""Visitor text as the triage rules (and retrieval) see it: plain, lower-case, typos fixed."""

from __future__ import annotations

import re
import unicodedata
import warnings
from functools import lru_cache

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.answer.safety_rules import spelling

_MARKUP_HINT = re.compile(r"<[a-zA-Z!/?]|&#?[a-zA-Z0-9]+;")
_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
    }
)
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*")
_KNOWN = spelling.FUZZY_VOCABULARY | spelling.PROTECTED_WORDS | spelling.SHORT_WORDS
_VOCABULARY = sorted(spelling.FUZZY_VOCABULARY)
_PHRASE_FIXES = tuple((re.compile(p), r) for p, r in spelling.PHRASE_FIXES)


def _strip_markup(text: str) -> str:
    # Entities can hide tags ("&lt;script&gt;"), so unwrap a few layers.
    for _ in range(3):
        if not _MARKUP_HINT.search(text):
            break
        with warnings.catch_warnings():
            # A message that looks like a URL or an XML document is still just text to us:
            # the HTML parser only strips its markup.
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(text, "html.parser")
        for element in soup(["script", "style", "template"]):
            element.decompose()
        text = soup.get_text(" ")
    return text


def _visible(text: str) -> str:
    # Format characters (zero-width spaces and joiners, soft hyphens, bidi marks) are invisible
    # and can split a word to dodge a rule; control characters become spaces.
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        kept.append(" " if category == "Cc" and ch not in "\n\r" else ch)
    return "".join(kept)


_HELD_KEY = re.compile(r"(.)\1{2,}")
_INFLECTIONS = ("s", "es", "d", "ed", "r", "er", "ly", "ing")


def _is_inflection(word: str, other: str) -> bool:
    short, long = sorted((word, other), key=len)
    return long.startswith(short) and long[len(short) :] in _INFLECTIONS


def _correct(word: str) -> str:
    if word in spelling.SPELLING:
        return spelling.SPELLING[word]
    if word in _KNOWN or len(word) < 5 or "'" in word:
        return word
    match = process.extractOne(word, _VOCABULARY, scorer=OSA.distance, score_cutoff=1)
    # Same first letter: typos rarely change it, and it keeps "painted" from becoming
    # "fainted". An inflection ("breaths", "prescribed") is a word, not a typo.
    if match is None or match[0][0] != word[0] or _is_inflection(word, match[0]):
        return word
    return str(match[0])


@lru_cache(maxsize=8192)
def _fix_word(word: str) -> str:
    fixed = _correct(word)
    if fixed != word or not _HELD_KEY.search(word):
        return fixed
    # A key held down ("diiie", "pleeease", "killlll"): keep the fix only if it finds a word.
    for squeezed in (_HELD_KEY.sub(r"\1\1", word), re.sub(r"(.)\1+", r"\1", word)):
        corrected = _correct(squeezed)
        if corrected != squeezed or squeezed in _KNOWN:
            return corrected
    return word


def normalise(message: str) -> str:
    """The message as rules (and retrieval) see it: plain lower-case text with common typos fixed.

    Strips HTML tags and entities, applies NFKC, drops zero-width characters, straightens
    quotes, lower-cases, collapses white space (line breaks too), squeezes letter repeats and
    corrects typos of the words the rules depend on.
    """
    text = _strip_markup(message)
    text = unicodedata.normalize("NFKC", text)
    text = _visible(text).translate(_QUOTES).lower()
    text = re.sub(r"\s+", " ", text).strip()
    text = _TOKEN.sub(lambda m: _fix_word(m.group(0)), text)
    for pattern, replacement in _PHRASE_FIXES:
        text = pattern.sub(replacement, text)
    return text
