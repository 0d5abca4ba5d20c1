"""The triage decision: rules and classifier evidence in, one Decision out, by explicit precedence.

Precedence: emergency > advice refusal > appointment > answer. An emergency is raised by an
emergency rule, or by the classifier when its emergency probability reaches the calibrated
threshold, which training sets below one half on purpose: when unsure between emergency and
not, choose emergency. Negations and idioms are masked out before either layer reads the text,
so a safe idiom cannot raise one. Between appointment and answer the doubt goes the other way:
unless a rule asks for the hand-off, the classifier must be clearly surer of appointment than of
question (the model's `appointment_gate`), since every answer and fallback offers the hand-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from bot.triage.classifier import Model, default_model
from bot.triage.embedding import advice_gated, appointment_gated, gated
from bot.triage.lang import detect_plain
from bot.triage.normalise import normalise_plain, plain
from bot.triage.rules import SMALLTALK_KINDS, SUBS, RuleSet, SmalltalkKind, Sub, default_rules

Kind = Literal["emergency", "advice", "appointment", "question", "smalltalk"]
SMALLTALK_MIN = 0.9  # small talk only when the classifier is sure: otherwise try to answer
# Advice from the classifier alone only when it is fairly sure: declining an ordinary question is
# what visitors notice most, while the clear advice wordings are rules (rules/*.yaml).
ADVICE_MIN = 0.65
SERVED_LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Decision:
    """What triage decided for one message, and why."""

    kind: Kind
    reason: str  # "rule en:emergency.self_harm:3", "model emergency p=0.41 >= 0.30", ...
    template: str  # key in templates/replies.yaml; "" for a question (retrieval answers)
    lang: str
    sub: Sub | None = None  # for an emergency: self_harm, overdose_poisoning or medical
    notice: Sub | None = None  # for other kinds: a help line to add (the topic was mentioned)
    emergency_probability: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """What the layers found in one message: the input of `decide`."""

    emergency_rule: tuple[Sub, str] | None  # (sub, rule name)
    advice_rule: str | None
    appointment_rule: str | None
    notice_rule: Sub | None
    probabilities: Mapping[str, float]  # classifier classes -> probability
    emergency_threshold: float
    # The threshold for languages other than SERVED_LANGUAGES is this much lower (the model's,
    # chosen out of fold by `train.py`; 1.0 here treats every language alike).
    other_language_factor: float = 1.0
    # Unsure between appointment and question: when no appointment rule matched and the
    # classifier's appointment share of the two is below this (the model's "appointment_gate",
    # chosen out of fold by `train.py`; 0.0 here never applies it), the message is a question.
    appointment_gate: float = 0.0
    # A small-talk rule that matched ("thanks", "farewell"): which small-talk reply fits.
    smalltalk_rule: SmalltalkKind | None = None


def emergency_probability(probabilities: Mapping[str, float]) -> float:
    """The classifier's probability that a message is an emergency of any sub-kind."""
    return sum(p for c, p in probabilities.items() if c.startswith("emergency."))


def decide(evidence: Evidence, lang: str) -> Decision:
    """Apply the precedence to the evidence (pure: the tests drive it with made-up evidence)."""
    probs = evidence.probabilities
    p_emergency = emergency_probability(probs)
    threshold = evidence.emergency_threshold
    if lang not in SERVED_LANGUAGES:
        # Few exemplars and no answers in this language: doubt weighs more, and help numbers
        # shown to someone we cannot serve anyway cost little.
        threshold *= evidence.other_language_factor
    if evidence.emergency_rule is not None:
        sub, name = evidence.emergency_rule
        return Decision(
            "emergency", f"rule {name}", f"emergency.{sub}", lang, sub, None, p_emergency
        )
    if p_emergency >= threshold:
        sub = max(SUBS, key=lambda s: probs.get(f"emergency.{s}", 0.0))
        reason = f"model emergency p={p_emergency:.2f} >= {threshold:.2f}"
        return Decision("emergency", reason, f"emergency.{sub}", lang, sub, None, p_emergency)

    notice = evidence.notice_rule
    if notice is None and p_emergency >= evidence.emergency_threshold / 2:
        notice = max(SUBS, key=lambda s: probs.get(f"emergency.{s}", 0.0))
    if evidence.advice_rule:
        return Decision(
            "advice", f"rule {evidence.advice_rule}", "advice", lang, None, notice, p_emergency
        )
    if evidence.appointment_rule:
        reason = f"rule {evidence.appointment_rule}"
        return Decision("appointment", reason, "appointment", lang, None, notice, p_emergency)
    others = {c: p for c, p in probs.items() if not c.startswith("emergency.")}
    best = max(others, key=lambda c: others[c]) if others else "question"
    p_best = others.get(best, 0.0)
    reason = f"model {best} p={p_best:.2f}"
    if best == "advice" and p_best < ADVICE_MIN:
        rest = [c for c in others if c not in ("advice", "appointment")]
        best = max(rest, key=lambda c: others[c], default="question")
        reason = f"{reason} < {ADVICE_MIN}: model {best}"
    if best == "appointment":
        # A booking form is a poor reply to a question, while a question's reply (an answer or
        # the fallback) offers the hand-off anyway: doubt between the two goes to the question.
        share = p_best / (p_best + others.get("question", 0.0))
        if share < evidence.appointment_gate:
            best = "question"
            reason = f"{reason}, share {share:.2f} < {evidence.appointment_gate:.2f}: question"
    if best == "advice":
        return Decision("advice", reason, "advice", lang, None, notice, p_emergency)
    if best == "appointment":
        return Decision("appointment", reason, "appointment", lang, None, notice, p_emergency)
    if best == "smalltalk" and p_best >= SMALLTALK_MIN:
        variant = evidence.smalltalk_rule
        template = f"smalltalk.{variant}" if variant else "smalltalk"
        return Decision("smalltalk", reason, template, lang, None, notice, p_emergency)
    return Decision("question", reason, "", lang, None, notice, p_emergency)


def mask(rules: RuleSet, folded: str, unfolded: str) -> tuple[str, str]:
    """Both forms of the text with negated and idiomatic spans blanked out."""
    return rules.masks.blank(folded, unfolded)


def model_text(message: str, rules: RuleSet | None = None) -> str:
    """The text the classifier reads, at training and at serving alike: normalised, masked."""
    rules = rules or default_rules()
    unfolded = plain(message)
    return mask(rules, normalise_plain(unfolded), unfolded)[0]


def gather(message: str, rules: RuleSet, model: Model, unfolded: str | None = None) -> Evidence:
    """Run the rules and the classifier over one message (`unfolded`: its `plain` form)."""
    unfolded = plain(message) if unfolded is None else unfolded
    folded, unfolded = mask(rules, normalise_plain(unfolded), unfolded)
    emergency_rule = None
    for sub in SUBS:
        hit = rules.emergency[sub].first(folded, unfolded)
        if hit is not None:
            emergency_rule = (sub, hit.name)
            break
    advice = rules.advice.first(folded, unfolded)
    appointment = rules.appointment.first(folded, unfolded)
    notice = next((s for s in SUBS if rules.topic_notice[s].first(folded, unfolded)), None)
    smalltalk = next(
        (k for k in SMALLTALK_KINDS if rules.smalltalk[k].first(folded, unfolded)), None
    )
    return Evidence(
        emergency_rule,
        advice.name if advice else None,
        appointment.name if appointment else None,
        notice,
        model.probabilities(folded),
        model.emergency_threshold,
        model.other_language_factor,
        model.appointment_gate,
        smalltalk,
    )


def triage(
    message: str,
    lang: str | None = None,
    *,
    rules: RuleSet | None = None,
    model: Model | None = None,
    tokens: np.ndarray | None = None,
) -> Decision:
    """Triage one visitor message (runs before retrieval). `lang` None: detect it. `tokens`:
    the last-layer token vectors of `embedding.embedding_text(message)` from the model's
    encoder (retrieval pools the same ones); None: rules and n-grams alone."""
    unfolded = plain(message)
    model = model or default_model()
    evidence = gather(message, rules or default_rules(), model, unfolded)
    lang = lang or detect_plain(unfolded)
    layer = model.embedding
    if layer is not None and layer.accepts(tokens, lang):
        mlp = layer.read(tokens)  # type: ignore[arg-type]
        threshold = evidence.emergency_threshold
        probabilities = gated(evidence.probabilities, mlp, layer.gate, threshold)
        probabilities = advice_gated(probabilities, mlp, layer.advice_gate, threshold)
        probabilities = appointment_gated(probabilities, mlp, layer.appointment_gate, threshold)
        evidence = replace(evidence, probabilities=probabilities)
    return decide(evidence, lang)
