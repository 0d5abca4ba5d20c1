"""Consumer-style rewrites of templated questions: lower case, casual openings, typos.

Generated, not hand-written: a seeded random generator drops the template's formality ("What
are the symptoms of X ?" -> "symptoms of x") and puts keyboard typos (a dropped, doubled or
swapped letter, a neighbouring key) into one or two of the longer words, the way patients type.
"""

from __future__ import annotations

import random
import re

_OPENINGS = ["", "", "hi ", "hey, ", "quick question ", "so ", "pls help "]
_FORMAL = [
    (r"^what (is|are) the symptoms of ", ["symptoms of ", "signs of ", "how do i know if i have "]),
    (r"^what (is|are) the treatments? for ", ["how do you treat ", "treatment for ", "cure for "]),
    (r"^what causes ", ["why do people get ", "cause of ", "what gives you "]),
    (r"^what is \(are\) ", ["whats ", "what is ", "explain ", "what r "]),
    (r"^what (is|are) ", ["whats ", "what is ", "explain "]),
    (r"^how many people are affected by ", ["how common is ", "how many ppl get "]),
    (r"^is (.+) inherited", ["does {0} run in families", "is {0} genetic"]),
    (r"^what (is|are) the outlook for ", ["prognosis for ", "will i recover from "]),
    (r"^how to diagnose ", ["how do they test for ", "test for "]),
    (r"^how to prevent ", ["how can i avoid ", "prevent "]),
]
_NEIGHBOURS = dict(zip("qwertyuiopasdfghjklzxcvbnm", "wertyuiopqsdfghjklaxcvbnmz", strict=True))


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip in a word of five letters or more."""
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap", "neighbour"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + _NEIGHBOURS.get(word[i], word[i]) + word[i + 1 :]


def rewrite(question: str, rng: random.Random) -> str:
    """A casual, misspelt version of a templated question."""
    q = " ".join(question.lower().replace(" ?", "?").split()).rstrip("?")
    for pattern, options in _FORMAL:
        m = re.match(pattern, q)
        if m:
            choice = rng.choice(options)
            q = choice.format(*m.groups()) + q[m.end() :]  # "{0}": the captured name
            break
    words = q.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    for i in rng.sample(long_words, k=min(len(long_words), rng.choice([1, 1, 2]))):
        words[i] = typo(words[i], rng)
    ending = rng.choice(["", "", "?", "??"])
    return rng.choice(_OPENINGS) + " ".join(words) + ending


def with_rewrites(cases: list[dict], seed: int = 0) -> list[tuple[str, str, dict]]:
    """(style, question, case): each templated question, then each one's consumer rewrite."""
    rng = random.Random(seed)
    variants = [("templated", c["question"], c) for c in cases]
    return variants + [("consumer", rewrite(c["question"], rng), c) for c in cases]
