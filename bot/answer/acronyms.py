"""Acronyms in a question, spelt out in the words of the pages.

Visitors write "TRD" or "TACs" where a page writes "treatment-resistant depression" or
"trigeminal autonomic cephalalgias". Built per index version from the pages' own text, so it
fits any clinic's pages with no hand list: a question word that is neither a page word nor an
English word, of 3 to 6 letters (a plural "s" dropped), becomes the one run of consecutive
content words in the pages whose initials spell it. With no such run, or several different
ones, the word stays as it is: a guess would put words in the visitor's mouth.

A match means something only if chance would rarely give one. A large site spells most
three-letter strings with some run of its words ("tbh" -> "temperature becomes high" in a
thousand health pages), so an acronym length is only spelt out when the runs of the pages cover
at most `MAX_CHANCE` of the strings of that many letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.answer.spelling import english_counts
from bot.answer.text import STOP_WORDS

_WORD = re.compile(r"[a-z]+")  # a hyphenated word counts as two: "treatment-resistant" -> t, r
_SEGMENT = re.compile(r"[^.,;:!?()\[\]{}\"“”|/\n]+")  # an acronym never spans punctuation
MIN_LETTERS = 3  # two letters spell too many runs of any page
MAX_LETTERS = 6
MAX_CHANCE = 0.01  # share of all n-letter strings the pages' runs may spell, for n to be trusted
_GAP = "."  # the initial of a word that cannot be part of an acronym (a stop word, one letter)
_BREAK = "|"  # between segments


class AcronymExpander:
    """Spells out a question's acronyms with the runs of page words whose initials they are."""

    def __init__(self, texts: Iterable[str]) -> None:
        words: list[str] = []
        initials: list[str] = []
        for text in texts:
            for segment in _SEGMENT.findall(text.lower()):
                for word in _WORD.findall(segment):
                    words.append(word)
                    usable = len(word) > 1 and word not in STOP_WORDS
                    initials.append(word[0] if usable else _GAP)
                words.append("")
                initials.append(_BREAK)
        self._words = words
        self._initials = "".join(initials)  # one character per word: found with str.find
        self.vocabulary = frozenset(words)
        self.trusted_lengths = frozenset(
            n for n in range(MIN_LETTERS, MAX_LETTERS + 1) if self.chance(n) <= MAX_CHANCE
        )
        self.spell_out = lru_cache(maxsize=4096)(self._spell_out)

    def chance(self, n: int) -> float:
        """The share of all `n`-letter strings that some run of `n` page words spells."""
        text = self._initials
        spelt = {text[i : i + n] for i in range(len(text) - n + 1)}
        return len({g for g in spelt if _GAP not in g and _BREAK not in g}) / 26**n

    def _spell_out(self, word: str) -> str | None:
        """The page words `word` abbreviates, when exactly one run of them fits."""
        letters = word[:-1] if word.endswith("s") and len(word) > MIN_LETTERS else word
        if len(letters) not in self.trusted_lengths:
            return None
        found: set[str] = set()
        start = self._initials.find(letters)
        while start != -1:
            found.add(" ".join(self._words[start : start + len(letters)]))
            if len(found) > 1:
                return None
            start = self._initials.find(letters, start + 1)
        return found.pop() if found else None

    def is_candidate(self, word: str) -> bool:
        """Neither a word of the pages nor an English one: it may abbreviate page words."""
        return word not in self.vocabulary and word not in english_counts()

    def expand(self, text: str) -> str:
        """`text` (lower case) with each acronym the pages spell out replaced by their words."""

        def spelt(match: re.Match[str]) -> str:
            word = match.group(0)
            if not self.is_candidate(word):
                return word
            return self.spell_out(word) or word

        return _WORD.sub(spelt, text)
