"""Focus check: do the chosen sentences give the kind of thing the question asks for?

A question about the *cost* of infusions is not answered by a sentence about infusions that
names no price, however close its words. The intents and their cues are data
(`data/intents.json`), generic across clinics; the answerability model takes the result as a
feature, and a declined question is told which kind of information the pages lack. A question
asks for an intent when its `asks` pattern matches or, given the question's vector, when the
learned layer (`intent_model`) is sure of it: wordings the pattern does not know.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.answer import intent_model

INTENTS_FILE = Path(__file__).with_name("data") / "intents.json"


@dataclass(frozen=True)
class Intent:
    """A kind of information a question can ask for, and the cues of a sentence that gives it."""

    name: str
    label: str  # shown to the visitor: "our pages don't mention {label}"
    asks: re.Pattern[str]
    gives: re.Pattern[str]
    label_es: str = ""  # the same, to a visitor writing in Spanish
    # A sentence that gives it answers the question whatever its similarity (see `settling`).
    decisive: bool = False

    def label_for(self, lang: str) -> str:
        """The label in the visitor's language (English where the table has no translation)."""
        return self.label_es if lang == "es" and self.label_es else self.label


@lru_cache(maxsize=1)
def intents() -> tuple[Intent, ...]:
    data = json.loads(INTENTS_FILE.read_text(encoding="utf-8"))
    return tuple(
        Intent(
            i["name"],
            i["label"],
            re.compile(i["asks"], re.I),
            re.compile(i["gives"], re.I),
            i.get("label_es", ""),
            bool(i.get("decisive", False)),
        )
        for i in data["intents"]
    )


# The question's vector (from the encoder the learned layer reads; None: patterns only).
Vector = np.ndarray | None


def asked(question: str, vector: Vector = None) -> list[Intent]:
    """The intents a question expresses (usually none: most questions ask about a topic):
    its wording matches the `asks` pattern, or the learned layer reads the intent in `vector`."""
    learned = intent_model.learned(vector)
    return [i for i in intents() if i.asks.search(question) or i.name in learned]


def unmet(question: str, answer_texts: Iterable[str], vector: Vector = None) -> list[Intent]:
    """The question's intents that none of the candidate answer sentences gives."""
    texts = list(answer_texts)
    return [i for i in asked(question, vector) if not any(i.gives.search(t) for t in texts)]


def focus_score(question: str, answer_texts: Iterable[str], vector: Vector = None) -> float:
    """+1 every intent asked is given, -1 some is not, 0 the question has no particular intent."""
    texts = list(answer_texts)
    wanted = asked(question, vector)
    if not wanted:
        return 0.0
    return -1.0 if unmet(question, texts, vector) else 1.0


def settling(
    question: str, answer_texts: Iterable[str], vector: Vector = None
) -> tuple[Intent, int] | None:
    """A decisive intent the question asks, and the first candidate sentence that gives it.

    "where r u" or "are you near DC" shares no word and little meaning with "For migraine
    sufferers in Annapolis, MD, ...", so similarity cannot judge it; a sentence that names the
    clinic's town answers it. Only intents whose cue is that specific are marked decisive."""
    texts = list(answer_texts)
    for intent in asked(question, vector):
        if intent.decisive:
            for n, text in enumerate(texts):
                if intent.gives.search(text):
                    return intent, n
    return None
