"""Triage of a visitor's message before retrieval: emergency, advice refusal, appointment, answer.

Layers, one module each: normalise (text as the rules read it), lang (which language), rules
(phrases as data, rules/*.yaml), classifier (hashed n-gram model trained on data/*.jsonl),
decision (the precedence), replies (templates/replies.yaml). Entry point: `triage(message)`.
"""

from __future__ import annotations

from bot.triage.decision import Decision, triage
from bot.triage.errors import TriageDataError

__all__ = ["Decision", "TriageDataError", "clear_caches", "embedding_encoder", "load", "triage"]


def embedding_encoder() -> str | None:
    """The embedding model whose token vectors the shipped model's embedding layer reads
    (None: it has no such layer). Pass `triage` token vectors only from this encoder."""
    from bot.triage.classifier import default_model

    layer = default_model().embedding
    return layer.encoder if layer is not None else None


def load() -> None:
    """Load and validate every triage data file now: call at start-up, so a bad rule, exemplar,
    template or model file stops the app (TriageDataError) instead of the first visitor's reply."""
    from bot.triage import classifier, exemplars, lang, normalise, replies, rules

    normalise.default_rewrites()
    rules.default_rules()
    replies.templates()
    exemplars.load_exemplars()
    classifier.default_model()
    lang.warm_up()


def clear_caches() -> None:
    """Forget the loaded data files (tests that point the loaders at other files)."""
    from bot.triage import classifier, lang, normalise, replies, rules

    for cached in (
        normalise.default_rewrites,
        rules.default_rules,
        replies.templates,
        classifier.default_model,
        lang._settings,
        lang._identifier,
        lang._markers,
    ):
        cached.cache_clear()
