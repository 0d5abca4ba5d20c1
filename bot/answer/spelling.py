"""Misspellings in a question, corrected towards the words the pages use (symspellpy).

Built per index version from its own text, so it fits any clinic's pages with no hand list: a
question word that is neither a word of the pages nor an English word (symspellpy's English
frequency list) is replaced by the closest page word, if one is close enough. "migrane" becomes
"migraine" and "spravatto" "spravato"; "parking", an English word the pages never use, stays,
so the answerability model still sees that the pages do not cover it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

from symspellpy import SymSpell, Verbosity

_TOKEN = re.compile(r"[a-z]+")
MIN_LENGTH = 4  # shorter words have too many neighbours to correct safely


@lru_cache(maxsize=1)
def english_counts() -> dict[str, int]:
    """Word -> corpus count from symspellpy's bundled English frequency dictionary."""
    text = files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text("utf-8")
    pairs = (line.split(" ", 1) for line in text.splitlines() if line)
    return {word: int(count) for word, count in pairs}


COMMON_COUNT = 20_000_000  # everyday words ("near", "normal", "guys") are above this


def is_everyday(word: str) -> bool:
    """A very common English word: the pages not using it says little about their topics."""
    return english_counts().get(word, 0) >= COMMON_COUNT


def max_distance(word: str) -> int:
    """Edits allowed: one for short words, two from seven letters on."""
    return 1 if len(word) < 7 else 2


class SpellFixer:
    """Corrects question words towards the vocabulary of the texts it was built from."""

    def __init__(self, texts: Iterable[str]) -> None:
        counts = Counter(w for t in texts for w in _TOKEN.findall(t.lower()))
        self.vocabulary = frozenset(counts)
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in counts.items():
            if len(word) >= MIN_LENGTH - 1:
                self._symspell.create_dictionary_entry(word, count)

    def correct(self, word: str) -> str:
        """The page word `word` most likely misspells, or `word` itself."""
        if len(word) < MIN_LENGTH or word in self.vocabulary or word in english_counts():
            return word
        found = self._symspell.lookup(word, Verbosity.TOP, max_edit_distance=max_distance(word))
        return found[0].term if found else word

    def fix(self, text: str) -> str:
        """`text` (lower case) with its misspelt words corrected; everything else unchanged."""
        return _TOKEN.sub(lambda m: self.correct(m.group(0)), text)
