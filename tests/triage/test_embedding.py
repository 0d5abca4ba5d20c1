"""The embedding layer: the gate on made-up probabilities, then the shipped layer on real
token vectors (messages written for these tests, never copied from an eval set), and the
Responder feeding triage the encoder pass it shares with retrieval."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pytest

from bot.answer.pipeline import Responder
from bot.triage import embedding_encoder, triage
from bot.triage.classifier import default_model
from bot.triage.decision import Evidence, decide
from bot.triage.embedding import (
    NO_ADVICE_GATE,
    NO_APPOINTMENT_GATE,
    AdviceGate,
    AppointmentGate,
    Gate,
    advice_gated,
    appointment_gated,
    embedding_text,
    gated,
    load_layer,
    save_layer,
)
from tests.support.fakes import NoIndex

GATE = Gate(up=0.95)
MISSED = {"question": 0.7, "advice": 0.1, "emergency.self_harm": 0.15, "emergency.medical": 0.05}
WEAK = {"question": 0.35, "emergency.medical": 0.6, "emergency.self_harm": 0.05}


def kind(probabilities: dict[str, float]) -> str:
    evidence = Evidence(None, None, None, None, probabilities, 0.5)
    return decide(evidence, "en").kind


def test_a_sure_mlp_raises_an_emergency_the_ngrams_missed() -> None:
    mlp = {"emergency": 0.98, "question": 0.02}
    raised = gated(MISSED, mlp, GATE, 0.5)
    assert kind(MISSED) == "question" and kind(raised) == "emergency"
    # The sub-kind still comes from the n-grams' shares.
    assert raised["emergency.self_harm"] > raised["emergency.medical"]


def test_an_unsure_mlp_changes_nothing() -> None:
    assert gated(MISSED, {"emergency": 0.6, "question": 0.4}, GATE, 0.5) == MISSED
    assert gated(WEAK, {"emergency": 0.3, "question": 0.7}, GATE, 0.5) == WEAK


def test_the_mlp_never_drops_an_emergency() -> None:
    calm = {"emergency": 0.0, "question": 1.0}
    assert kind(WEAK) == "emergency"
    assert kind(gated(WEAK, calm, GATE, 0.5)) == "emergency"


ADVICE_GATE = AdviceGate(lo=0.2, hi=0.9, up=0.7)
# The n-grams lean to answering a message the MLP reads as a dose question, and the reverse.
UNSURE_QUESTION = {"question": 0.55, "advice": 0.4, "emergency.medical": 0.05}
UNSURE_ADVICE = {"advice": 0.66, "question": 0.3, "emergency.medical": 0.04}


def test_a_sure_mlp_decides_advice_or_question_where_the_ngrams_are_unsure() -> None:
    dose = {"advice": 0.9, "question": 0.1}
    assert kind(UNSURE_QUESTION) == "question"
    assert kind(advice_gated(UNSURE_QUESTION, dose, ADVICE_GATE, 0.5)) == "advice"
    general = {"advice": 0.05, "question": 0.95}
    assert kind(UNSURE_ADVICE) == "advice"
    assert kind(advice_gated(UNSURE_ADVICE, general, ADVICE_GATE, 0.5)) == "question"


def test_the_advice_gate_leaves_sure_ngrams_unsure_mlps_and_other_kinds_alone() -> None:
    sure = {"question": 0.95, "advice": 0.03, "emergency.medical": 0.02}
    assert advice_gated(sure, {"advice": 1.0}, ADVICE_GATE, 0.5) == sure
    unsure_mlp = {"advice": 0.6, "question": 0.4}
    assert advice_gated(UNSURE_QUESTION, unsure_mlp, ADVICE_GATE, 0.5) == UNSURE_QUESTION
    booking = {"appointment": 0.5, "advice": 0.3, "question": 0.2}
    assert advice_gated(booking, {"advice": 1.0}, ADVICE_GATE, 0.5) == booking
    assert advice_gated(UNSURE_QUESTION, {"advice": 1.0}, NO_ADVICE_GATE, 0.5) == UNSURE_QUESTION


def test_the_advice_gate_never_touches_an_emergency() -> None:
    assert kind(WEAK) == "emergency"
    assert kind(advice_gated(WEAK, {"advice": 1.0}, AdviceGate(0.0, 1.0, 0.5), 0.5)) == "emergency"


def test_an_advice_rule_still_refuses_whatever_the_mlp_says() -> None:
    routed = advice_gated(UNSURE_ADVICE, {"question": 1.0}, ADVICE_GATE, 0.5)
    evidence = Evidence(None, "en:advice:3", None, None, routed, 0.5)
    assert decide(evidence, "en").kind == "advice"


def test_the_advice_gate_is_saved_with_the_layer(tmp_path) -> None:
    layer = default_model().embedding
    assert layer is not None
    changed = replace(layer, advice_gate=ADVICE_GATE)
    assert load_layer(tmp_path, save_layer(tmp_path, changed)).advice_gate == ADVICE_GATE
    meta = save_layer(tmp_path, layer)
    del meta["advice_gate"]  # a model trained before the advice gate
    assert load_layer(tmp_path, meta).advice_gate == NO_ADVICE_GATE


APPOINTMENT_GATE = AppointmentGate(hi=0.9, up=0.95)
# The n-grams hand off a message whose logistics words they share with bookings.
UNSURE_BOOKING = {"appointment": 0.6, "question": 0.3, "offtopic": 0.1}


def test_a_sure_mlp_answers_a_hand_off_the_ngrams_were_unsure_of() -> None:
    answered = appointment_gated(UNSURE_BOOKING, {"question": 0.99}, APPOINTMENT_GATE, 0.5)
    assert kind(UNSURE_BOOKING) == "appointment" and kind(answered) == "question"


def test_the_appointment_gate_leaves_sure_ngrams_unsure_mlps_and_other_kinds_alone() -> None:
    sure = {"appointment": 0.95, "question": 0.05}
    assert appointment_gated(sure, {"question": 1.0}, APPOINTMENT_GATE, 0.5) == sure
    unsure_mlp = {"appointment": 0.2, "question": 0.8}
    assert appointment_gated(UNSURE_BOOKING, unsure_mlp, APPOINTMENT_GATE, 0.5) == UNSURE_BOOKING
    question = {"question": 0.6, "appointment": 0.4}
    assert appointment_gated(question, {"appointment": 1.0}, APPOINTMENT_GATE, 0.5) == question
    off = appointment_gated(UNSURE_BOOKING, {"question": 1.0}, NO_APPOINTMENT_GATE, 0.5)
    assert off == UNSURE_BOOKING


def test_the_appointment_gate_never_touches_an_emergency_or_a_rule() -> None:
    assert kind(WEAK) == "emergency"
    gate = AppointmentGate(hi=1.0, up=0.5)
    assert kind(appointment_gated(WEAK, {"question": 1.0}, gate, 0.5)) == "emergency"
    answered = appointment_gated(UNSURE_BOOKING, {"question": 1.0}, gate, 0.5)
    evidence = Evidence(None, None, "en:appointment:0", None, answered, 0.5)
    assert decide(evidence, "en").kind == "appointment"


def test_the_appointment_gate_is_saved_with_the_layer(tmp_path) -> None:
    layer = default_model().embedding
    assert layer is not None
    changed = replace(layer, appointment_gate=APPOINTMENT_GATE)
    saved = save_layer(tmp_path, changed)
    assert load_layer(tmp_path, saved).appointment_gate == APPOINTMENT_GATE
    del saved["appointment_gate"]  # a model trained before the appointment gate
    assert load_layer(tmp_path, saved).appointment_gate == NO_APPOINTMENT_GATE


@pytest.fixture(scope="module")
def tokens(real_embedder) -> Callable[[str], np.ndarray]:
    return lambda message: real_embedder.embed_tokens([embedding_text(message)])[0]


@pytest.mark.model
def test_the_shipped_layer_reads_the_retrieval_encoder(real_embedder) -> None:
    layer = default_model().embedding
    assert layer is not None
    assert embedding_encoder() == real_embedder.name
    assert layer.dimension == real_embedder.dimension


@pytest.mark.model
@pytest.mark.parametrize(
    "message",
    [
        INDIRECT := "cancel everything for me, there isn't going to be a next month",
    ],
)
def test_an_indirect_emergency_is_recognised_through_the_encoder(message, tokens) -> None:
    assert triage(message).kind != "emergency"  # no rule, and the n-grams miss it
    decision = triage(message, tokens=tokens(message))
    assert decision.kind == "emergency"


@pytest.mark.model
@pytest.mark.parametrize(
    "message",
    [
        "i'm dying to find out if the infusions are covered by my insurance",
        "this paperwork is killing me, which forms do i bring to the first visit?",
        "my grandmother passed away last spring, does grief count for your program?",
    ],
)
def test_safe_idioms_and_past_events_stay_safe_with_the_encoder(message, tokens) -> None:
    assert triage(message, tokens=tokens(message)).kind != "emergency"


@pytest.mark.model
def test_other_languages_ignore_the_english_layer(tokens) -> None:
    message = "¿cuánto cuesta una sesión de ketamina?"
    assert triage(message, tokens=tokens(message)) == triage(message)


class _NamedEncoder:
    """The real encoder under another object, counting what it embeds (or failing)."""

    def __init__(self, inner, fail: bool = False) -> None:
        self.inner, self.fail = inner, fail
        self.name, self.dimension = inner.name, inner.dimension
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:
        if self.fail:
            raise RuntimeError("encoder unavailable")
        self.texts.extend(texts)
        return self.inner.embed(texts, progress)

    def embed_tokens(self, texts: Sequence[str]) -> list[np.ndarray]:
        if self.fail:
            raise RuntimeError("encoder unavailable")
        self.texts.extend(texts)
        return self.inner.embed_tokens(texts)


@pytest.mark.model
def test_the_responder_feeds_triage_the_question_tokens(real_embedder) -> None:
    encoder = _NamedEncoder(real_embedder)
    reply = Responder(NoIndex(), embedder=encoder).reply(INDIRECT)
    assert reply.kind == "emergency"
    assert encoder.texts == [embedding_text(INDIRECT)]


@pytest.mark.model
def test_triage_still_works_when_the_encoder_fails(real_embedder) -> None:
    reply = Responder(NoIndex(), embedder=_NamedEncoder(real_embedder, fail=True)).reply(
        "i swallowed a whole bottle of my pills ten minutes ago"
    )
    assert reply.kind == "emergency"
