"""Multi-part questions: split "is it covered by insurance and how long does it take?" in two.

Each part is judged on its own, so the reply can answer the parts the pages cover and say
plainly which part they do not. Splitting is conservative: at a question mark followed by more
text, or at "and" / "also" / ";" when what follows opens a new question; a piece without a
topic word of its own stays with its neighbour.
"""

from __future__ import annotations

import re

from bot.answer.compose import GENERIC_WORDS
from bot.answer.text import words

_QUESTION_OPENING = (
    r"(?:what|whats|what's|how|is|are|was|were|do|does|did|can|could|will|would|should|"
    r"where|when|who|which|why|any|has|have)\b"
)
_SPLIT = re.compile(
    r"\?\s+(?=\S)|;\s*|,?\s+(?:and\s+also|and|also|plus)\s+(?=" + _QUESTION_OPENING + ")",
    re.I,
)
_PRONOUN = re.compile(r"\b(it|its|they|them|this|that|these|those|one)\b", re.I)
_LEADING = re.compile(r"^(?:and|also|plus|but|or)\s+", re.I)
MAX_PARTS = 3


def _has_topic(piece: str) -> bool:
    return any(w not in GENERIC_WORDS and len(w) >= 3 for w in words(piece))


def split_parts(question: str) -> list[str]:
    """The question's parts in order; a single-element list when it asks one thing."""
    pieces = [_LEADING.sub("", p.strip(" ,?")) for p in _SPLIT.split(question)]
    parts: list[str] = []
    for piece in filter(None, pieces):
        if parts and not _has_topic(piece):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    if len(parts) > MAX_PARTS:  # a run-on message, not a list of questions
        return [question]
    return parts


def with_context(part: str, previous: str) -> str:
    """A part that points back ("does insurance cover it") with the topic words of the part
    before it, so retrieval knows what "it" is."""
    if not previous or not _PRONOUN.search(part):
        return part
    own = set(words(part))
    topic = [w for w in words(previous) if _has_topic(w) and w not in own]
    return f"{part} ({' '.join(topic)})" if topic else part
