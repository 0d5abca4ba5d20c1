"""Answerability: do the retrieved sentences answer the question, or are the pages silent?

A logistic regression over evidence the pipeline already has (sentence and passage similarity,
BM25, agreement of the two rankings, how much of the question the passage and the best sentence
cover, question words the pages never use, the focus check). Trained by `make answer-model`
(bench/train_answerability.py) on labelled question/answerable pairs kept in the repo; the
weights, the feature scaling and the threshold chosen by cross-validation are stored as JSON
next to this module and scored here with numpy (no scikit-learn at serving time).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.answer import compose, focus, spelling
from bot.answer.retrieve import Hit
from bot.answer.text import content_terms, term_groups, word_synonyms

MODEL_FILE = Path(__file__).with_name("data") / "answerability.json"
BM25_TF_CEILING = 2.5  # k1 + 1 of rank_bm25's BM25Okapi: a term's largest possible tf factor

FEATURES = (
    "sentence_score",  # best sentence: cosine + covered share + answer-type cues (compose)
    "sentence_gap",  # best minus second-best sentence score
    "passage_dense",  # cosine of question and the closest passage
    "dense_gap",  # closest minus second-closest passage cosine
    "lexical_share",  # best BM25 score over the most the question's terms could score
    "rank_agreement",  # 1 when dense and BM25 put the same passage first
    "passage_coverage",  # IDF-weighted share of the question's topic words in the top passage
    "sentence_coverage",  # the same share in the best sentence
    "known_share",  # share of the question's topic words the pages use at all
    "unknown_count",  # how many topic words the pages never use
    "unknown_everyday",  # how many of those are everyday English words ("near", "normal")
    "focus",  # +1 intent given, -1 intent asked but not given, 0 no particular intent
    "topic_words",  # log(1 + number of topic words): short questions carry less evidence
    "sentence_dense",  # cosine of the question and its closest candidate sentence
)


@dataclass(frozen=True)
class Evidence:
    """The features of one question against its retrieved passages, with what explains them."""

    values: Mapping[str, float]
    unknown_terms: tuple[str, ...]
    unmet_intents: tuple[focus.Intent, ...]
    # A decisive intent asked and the candidate sentence (rank) that gives it (focus.settling).
    settled_by: tuple[focus.Intent, int] | None = None

    def vector(self) -> np.ndarray:
        return np.array([self.values[name] for name in FEATURES], dtype=np.float64)


@dataclass(frozen=True)
class Decision:
    """What the model saw and decided; kept in the reply notes and the eval output."""

    answerable: bool
    probability: float
    unknown_terms: tuple[str, ...]
    unmet_intents: tuple[focus.Intent, ...]
    reason: str
    quote: int | None = None  # the candidate sentence to quote first (a decisive intent's)


@dataclass(frozen=True)
class Model:
    """Logistic regression on standardised features; `threshold` applies to the probability."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def probability(self, x: np.ndarray) -> float:
        z = float(((x - self.mean) / self.scale) @ self.coef + self.intercept)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def to_json(self, **extra: object) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 4),
            **extra,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Model:
        names = tuple(data["features"])  # type: ignore[arg-type]
        if names != FEATURES:
            raise ValueError(f"answerability model was trained on other features: {names}")
        return cls(
            names,
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["coef"], dtype=np.float64),
            float(data["intercept"]),  # type: ignore[arg-type]
            float(data["threshold"]),  # type: ignore[arg-type]
        )


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    """The model made by `make answer-model`, read once."""
    return Model.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def topic_words(question: str) -> list[str]:
    """The question's words that name what it is about (not scaffolding, not numbers)."""
    return [
        w
        for w, _ in word_synonyms(question)
        if w not in compose.GENERIC_WORDS and len(w) >= 3 and not w.isdigit()
    ]


def gather(
    question: str,
    hits: Sequence[Hit],
    scored: Sequence[tuple[float, compose.Sentence]],
    vocabulary: frozenset[str],
    idf: Callable[[str], float],
    sentence_dense: float = 0.0,
    query_vector: np.ndarray | None = None,
) -> Evidence:
    """The features of `question` against its fused `hits` and their scored sentences.

    `sentence_dense`: the question's best cosine to a single candidate sentence (their vectors
    are made at ingest): a visitor's paraphrase of one sentence is closer to it than to the
    whole passage around it. `query_vector`: the question's vector, for the learned intent
    layer of the focus check (None: the `asks` patterns alone).
    """
    groups = term_groups(question)
    candidates = [s.text for _, s in scored[: compose.MAX_SENTENCES]]
    unmet = focus.unmet(question, candidates, query_vector)
    unknown = _beyond_intents(
        compose.unknown_terms(question, vocabulary),
        [i for i in focus.asked(question, query_vector) if i not in unmet],
    )
    n_topic = len(topic_words(question))
    best = scored[0][0] if scored else 0.0
    second = scored[1][0] if len(scored) > 1 else 0.0
    dense = [*sorted((h.dense for h in hits), reverse=True), 0.0, 0.0]
    lexical_best = max((h.lexical for h in hits), default=0.0)
    ceiling = BM25_TF_CEILING * sum(idf(t) for t in set(content_terms(question)))
    agree = 0.0
    if hits:
        by_dense = max(hits, key=lambda h: h.dense)
        by_lexical = max(hits, key=lambda h: h.lexical)
        agree = float(
            by_dense.chunk.chunk_id == by_lexical.chunk.chunk_id and by_lexical.lexical > 0
        )
    top = hits[0].chunk if hits else None
    passage_text = f"{top.title} {top.section} {top.text}" if top is not None else ""
    values = {
        "sentence_score": best,
        "sentence_gap": best - second,
        "passage_dense": dense[0],
        "dense_gap": dense[0] - dense[1],
        "lexical_share": min(1.0, lexical_best / ceiling) if ceiling > 0 else 0.0,
        "rank_agreement": agree,
        "passage_coverage": compose.covered_share(groups, passage_text, idf),
        "sentence_coverage": compose.covered_share(groups, candidates[0], idf)
        if candidates
        else 0.0,
        "known_share": 1.0 - len(unknown) / n_topic if n_topic else 1.0,
        "unknown_count": float(len(unknown)),
        "unknown_everyday": float(sum(spelling.is_everyday(w) for w in unknown)),
        "focus": focus.focus_score(question, candidates, query_vector),
        "topic_words": math.log1p(n_topic),
        "sentence_dense": sentence_dense,
    }
    # Every candidate, not only the best few: the words of "¿dónde están ubicados?" rank the
    # sentence that names the town low, yet it answers the question.
    settled = focus.settling(question, [s.text for _, s in scored], query_vector)
    return Evidence(values, unknown, tuple(unmet), settled)


def _beyond_intents(unknown: Sequence[str], met: Sequence[focus.Intent]) -> tuple[str, ...]:
    """The unknown words that are not the wording of an intent the sentences give.

    "where are you located" asked of a page that says "in Annapolis, MD" without the word
    "located": the word asks for a location, which the sentences give; its absence from the
    pages is no sign that they are silent."""
    return tuple(w for w in unknown if not any(i.asks.search(w) for i in met))


def decide(evidence: Evidence, model: Model | None = None) -> Decision:
    """Answer when the model's probability reaches its cross-validated threshold, or when a
    candidate sentence gives a decisive intent the question asks: then that sentence is what
    is quoted, even when the model would answer anyway ("where's the clinic" is closest to a
    sentence about finding a clinic, not to the one that names the town)."""
    model = model or shipped_model()
    p = model.probability(evidence.vector())
    ok = p >= model.threshold
    if evidence.settled_by is not None:
        intent, rank = evidence.settled_by
        reason = "answer" if ok else f"intent {intent.name} given"
        return Decision(True, p, evidence.unknown_terms, evidence.unmet_intents, reason, rank)
    if ok:
        reason = "answer"
    elif evidence.unmet_intents:
        reason = "off-focus"
    elif evidence.unknown_terms:
        reason = "unknown-terms"
    else:
        reason = "low-evidence"
    return Decision(ok, p, evidence.unknown_terms, evidence.unmet_intents, reason)
