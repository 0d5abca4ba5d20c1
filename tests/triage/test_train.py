"""Training's choices made out of fold: the emergency threshold's factor for other languages and
the appointment gate."""

from __future__ import annotations

import numpy as np

from bot.triage.cases import Case
from bot.triage.decision import Evidence
from bot.triage.embedding import NO_APPOINTMENT_GATE
from bot.triage.train import (
    FACTOR_REFERENCE,
    calibrate_factor,
    choose_appointment_gate,
    choose_gates,
)


def _case(n: int, emergency: bool, near: bool = False) -> Case:
    allowed = frozenset({"emergency"} if emergency else {"question"})
    target = "emergency.medical" if emergency else "question"
    return Case(f"c{n}", "x", "de", allowed, target, near)


def _evidence(rule: bool = False) -> Evidence:
    hit = ("medical", "xx:emergency.medical:0") if rule else None
    return Evidence(hit, None, None, None, {}, 0.5)


def _choose(p: list[float], emergency: list[bool], near: list[bool], langs=None, rules=None):
    cases = [_case(i, e, n) for i, (e, n) in enumerate(zip(emergency, near, strict=True))]
    rules = rules or [False] * len(p)
    evidence = [_evidence(r) for r in rules]
    return calibrate_factor(np.array(p), cases, evidence, langs or ["de"] * len(p))


def test_the_factor_rises_while_other_language_recall_holds() -> None:
    """Emergencies at p 0.45 and 0.4, a close-but-safe message at 0.3 (threshold 0.5): x0.8
    still raises both emergencies and no longer the safe message."""
    factor, recall, false_alarms = _choose(
        [0.45, 0.4, 0.3], [True, True, False], [False, False, True]
    )
    assert factor == 0.8
    assert (recall, false_alarms) == (1.0, 0.0)


def test_the_factor_never_costs_recall_against_the_reference() -> None:
    """No factor meets the false-alarm budget without losing the emergency at p 0.26: the
    highest that keeps it wins, whatever it costs in false alarms."""
    factor, recall, false_alarms = _choose([0.26, 0.3], [True, False], [False, True])
    assert factor <= 0.52 and recall == 1.0 and false_alarms == 1.0
    assert factor >= FACTOR_REFERENCE


def test_rules_and_served_languages_do_not_hold_the_factor_down() -> None:
    """An emergency a rule raises, or one in English, does not need a low factor."""
    factor, recall, _ = _choose(
        [0.05, 0.1, 0.3],
        [True, True, False],
        [False, False, True],
        langs=["de", "en", "de"],
        rules=[True, False, False],
    )
    assert factor == 1.0 and recall == 1.0


def _routed(n: int, label: str) -> Case:
    return Case(f"r{n}", "x", "en", frozenset({label}), label)


def _gate(shares: list[float], labels: list[str]) -> float:
    """The gate chosen for messages whose classifier pick is appointment at these shares."""
    cases = [_routed(i, label) for i, label in enumerate(labels)]
    probabilities = [{"appointment": s, "question": 1 - s} for s in shares]
    langs = ["en"] * len(cases)
    return choose_appointment_gate(cases, probabilities, [_evidence()] * len(cases), langs)


def test_the_appointment_gate_sends_unsure_hand_offs_to_answering() -> None:
    """Questions at shares 0.6 and 0.62, a booking at 0.9: the lowest cut-off above both
    questions and below the booking is chosen."""
    assert _gate([0.6, 0.62, 0.9], ["question", "question", "appointment"]) == 0.65


def test_the_appointment_gate_stays_off_when_it_would_lose_as_many_bookings() -> None:
    """A booking at 0.56 below a question at 0.6: any cut-off that routes the question loses the
    booking; a tie in messages keeps the gate off."""
    assert _gate([0.56, 0.6, 0.99], ["appointment", "question", "question"]) == 0.0


def test_the_appointment_gate_counts_messages_not_shares_of_each_kind() -> None:
    """Two questions routed for one booking lost: the gate goes on, although one booking is a
    larger share of the few bookings than two questions are of the many questions (a question's
    reply offers the hand-off anyway; a booking form answers nothing)."""
    shares = [0.56, 0.6, 0.62, 0.99, 0.99]
    labels = ["appointment", "question", "question", "question", "question"]
    assert _gate(shares, labels) == 0.65


def test_the_ngram_fit_does_not_depend_on_the_order_of_the_exemplars() -> None:
    """The solver runs to convergence: the same exemplars in another order give the same model.
    Stopped early, every data change refitted to a different, arbitrary point, and adding a few
    exemplars moved decisions far from them (docs/TRIAGE.md, twelfth round)."""
    from bot.triage.cases import from_exemplar
    from bot.triage.decision import model_text
    from bot.triage.exemplars import load_exemplars
    from bot.triage.train import fit, matrix, trainable

    cases = trainable([from_exemplar(e, i) for i, e in enumerate(load_exemplars())])
    x = matrix([model_text(c.text) for c in cases])
    y = [str(c.target) for c in cases]
    order = np.random.RandomState(0).permutation(len(y))
    one = fit(x, y).emergency_probability(x)
    two = fit(x[order], [y[i] for i in order]).emergency_probability(x)
    assert float(np.abs(one - two).max()) < 0.01


def test_the_embedding_gates_are_chosen_over_every_split() -> None:
    """A booking gate that ties on one split into folds (it routes a question to answering and
    loses a booking) and gains a message on another goes on: one split's tie does not decide
    alone (docs/TRIAGE.md, "Fourteenth round")."""
    cases = [_routed(0, "question"), _routed(1, "appointment")]
    ngram = [{"appointment": 0.6, "question": 0.4}] * 2
    sure = {"question": 0.995, "appointment": 0.005}
    unsure = {"question": 0.1, "appointment": 0.9}
    tie, gain = (ngram, [sure, sure]), (ngram, [sure, unsure])
    evidence, langs = [_evidence()] * 2, ["en"] * 2
    assert choose_gates(cases, [tie], evidence, langs)[2] == NO_APPOINTMENT_GATE
    assert choose_gates(cases, [tie, gain], evidence, langs)[2] != NO_APPOINTMENT_GATE
