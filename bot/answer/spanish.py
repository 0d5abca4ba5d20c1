"""An English gloss of a question written in Spanish, for retrieval and the answerability checks.

The clinic's pages are English and so is the encoder (all-MiniLM-L6-v2); no translation model
can be installed offline. A question triaged as Spanish is therefore read word by word through a
small glossary kept as data (`data/es-en-glossary.json`): accents folded ("náuseas" ->
"nauseas"), phrases of two or three words first ("efectos secundarios" -> "side effects",
"cuánto tiempo" -> "how long"), then single words ("cerebro" -> "brain"); Spanish function
words with no English use are dropped. A word with no entry stays as it is, so a word the
glossary does not know still counts as a word the pages never use. The gloss is only read by
the machine: the reply stays in Spanish around the pages' verbatim English quotes.

Pure functions; the glossary is validated when this module is imported, so a malformed file
stops start-up with the file and the reason.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

GLOSSARY_FILE = Path(__file__).with_name("data") / "es-en-glossary.json"

# Words (digits kept) and the punctuation that splits a question into parts.
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|[?;,.!]")
_KEY = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")
_VALUE = re.compile(r"[a-z0-9'.-]+(?: [a-z0-9'.-]+)*")
_MAX_PHRASE = 4


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the file and the reason."""


@dataclass(frozen=True)
class Glossary:
    entries: dict[tuple[str, ...], str]  # folded Spanish word or phrase -> English ("" drops)
    longest: int


def fold(text: str) -> str:
    """Lower-case, accents and tildes removed ("Náuseas" -> "nauseas", "año" -> "ano"),
    Spanish opening marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("¿", " ").replace("¡", " ").replace("’", "'")


def load_glossary(path: Path = GLOSSARY_FILE) -> Glossary:
    """Read and check the glossary file; GlossaryError names the file and what is wrong."""

    def fail(reason: str) -> GlossaryError:
        return GlossaryError(f"{path}: {reason}")

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot be read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise fail(f"is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise fail("must be a JSON object")
    if not isinstance(data.get("_doc"), str) or not data["_doc"].strip():
        raise fail("needs a '_doc' string saying what the file is")
    unknown = set(data) - {"_doc", "function_words", "phrases", "words"}
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}")
    entries: dict[tuple[str, ...], str] = {}

    def key_of(section: str, raw: object) -> tuple[str, ...]:
        if not isinstance(raw, str) or not _KEY.fullmatch(raw):
            raise fail(f"{section}: {raw!r} is not lower-case, unaccented words")
        if raw != fold(raw):
            raise fail(f"{section}: {raw!r} must be written without accents")
        key = tuple(raw.split())
        if key in entries:
            raise fail(f"{section}: {raw!r} is listed twice")
        return key

    function_words = data.get("function_words")
    if not isinstance(function_words, list) or not function_words:
        raise fail("'function_words' must be a non-empty list of words")
    for word in function_words:
        key = key_of("function_words", word)
        if len(key) != 1:
            raise fail(f"function_words: {word!r} must be a single word")
        entries[key] = ""
    for section, single in (("words", True), ("phrases", False)):
        table = data.get(section)
        if not isinstance(table, dict) or not table:
            raise fail(f"'{section}' must be a non-empty object of Spanish -> English")
        for raw, english in table.items():
            key = key_of(section, raw)
            if single and len(key) != 1:
                raise fail(f"words: {raw!r} has several words (put it under 'phrases')")
            if not single and not 2 <= len(key) <= _MAX_PHRASE:
                raise fail(f"phrases: {raw!r} must have 2 to {_MAX_PHRASE} words")
            if not isinstance(english, str) or not _VALUE.fullmatch(english):
                raise fail(f"{section}: {raw!r} -> {english!r} is not lower-case English words")
            entries[key] = english
    return Glossary(entries, max(len(k) for k in entries))


GLOSSARY = load_glossary()


def gloss(question: str, glossary: Glossary = GLOSSARY) -> str:
    """The English gloss of a Spanish question: the longest glossary entry at each word
    (phrases before words), function words dropped, words without an entry kept as they are,
    question marks and commas kept (they split a question into its parts)."""
    tokens = _TOKEN.findall(fold(question))
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(glossary.longest, len(tokens) - i), 0, -1):
            english = glossary.entries.get(tuple(tokens[i : i + n]))
            if english is not None:
                if english:
                    out.append(english)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return re.sub(r" ([?;,.!])", r"\1", " ".join(out))
