"""Layer 5: the decision. Precedence and the lean to emergency on made-up evidence, then the real
rules and model on messages written for these tests (never copied from an eval set)."""

from __future__ import annotations

import pytest

from bot.triage import triage
from bot.triage.decision import Evidence, decide

QUIET = {"question": 0.9, "advice": 0.04, "appointment": 0.04, "emergency.medical": 0.02}


def evidence(**changes) -> Evidence:
    base = dict(
        emergency_rule=None,
        advice_rule=None,
        appointment_rule=None,
        notice_rule=None,
        probabilities=QUIET,
        emergency_threshold=0.3,
    )
    return Evidence(**{**base, **changes})


def test_an_emergency_rule_beats_advice_and_appointment() -> None:
    d = decide(
        evidence(
            emergency_rule=("overdose_poisoning", "en:emergency.overdose_poisoning:0"),
            advice_rule="en:advice:0",
            appointment_rule="en:appointment:0",
        ),
        "en",
    )
    assert (d.kind, d.sub, d.template) == (
        "emergency",
        "overdose_poisoning",
        "emergency.overdose_poisoning",
    )


def test_advice_beats_appointment() -> None:
    d = decide(evidence(advice_rule="en:advice:1", appointment_rule="en:appointment:0"), "en")
    assert d.kind == "advice"


def test_appointment_beats_answering() -> None:
    assert decide(evidence(appointment_rule="en:appointment:0"), "en").kind == "appointment"


def test_when_unsure_between_emergency_and_not_it_is_an_emergency() -> None:
    """0.35 is below even odds, but above the calibrated emergency threshold (0.3 here)."""
    probs = {"emergency.self_harm": 0.2, "emergency.medical": 0.15, "question": 0.65}
    d = decide(evidence(probabilities=probs, advice_rule="en:advice:0"), "en")
    assert (d.kind, d.sub) == ("emergency", "self_harm")
    assert "0.35 >= 0.30" in d.reason


def test_below_the_threshold_it_is_not_an_emergency_but_keeps_a_help_line() -> None:
    probs = {"emergency.self_harm": 0.2, "question": 0.8}
    d = decide(evidence(probabilities=probs), "en")
    assert d.kind == "question" and d.notice == "self_harm"


def test_small_talk_needs_a_confident_classifier() -> None:
    assert (
        decide(
            evidence(probabilities={"smalltalk": 0.45, "question": 0.3, "offtopic": 0.25}), "en"
        ).kind
        == "question"
    )
    assert (
        decide(evidence(probabilities={"smalltalk": 0.95, "question": 0.05}), "en").kind
        == "smalltalk"
    )


def test_a_language_we_do_not_serve_leans_further_to_emergency() -> None:
    """The model's other-language factor lowers the threshold (0.3 x 0.5 here) for them only."""
    probs = {"emergency.medical": 0.2, "question": 0.8}
    lowered = evidence(probabilities=probs, other_language_factor=0.5)
    assert decide(lowered, "en").kind == decide(lowered, "es").kind == "question"
    assert decide(lowered, "zh").kind == "emergency"
    assert decide(evidence(probabilities=probs, other_language_factor=1.0), "zh").kind == "question"


def test_the_shipped_factor_is_the_one_triage_applies() -> None:
    """A message in another language is raised at the shipped threshold times the shipped
    factor, not at a constant in the code."""
    from bot.triage.classifier import default_model

    model = default_model()
    assert 0.0 < model.other_language_factor <= 1.0
    threshold = model.emergency_threshold * model.other_language_factor
    below = {"emergency.medical": threshold - 0.01, "question": 1.01 - threshold}
    at = {"emergency.medical": threshold + 0.01, "question": 0.99 - threshold}
    factor = model.other_language_factor
    base = dict(emergency_threshold=model.emergency_threshold, other_language_factor=factor)
    assert decide(evidence(probabilities=below, **base), "de").kind != "emergency"
    assert decide(evidence(probabilities=at, **base), "de").kind == "emergency"


def test_a_weak_advice_guess_is_answered_instead_of_refused() -> None:
    weak = {"advice": 0.5, "question": 0.3, "appointment": 0.2}
    assert decide(evidence(probabilities=weak), "en").kind == "question"
    sure = {"advice": 0.9, "question": 0.1}
    assert decide(evidence(probabilities=sure), "en").kind == "advice"


def test_an_unsure_hand_off_is_answered_as_a_question() -> None:
    """Appointment's share of appointment + question is 0.6 here: below the model's gate (0.7)
    the message goes to answering, whose reply offers the hand-off anyway."""
    unsure = {"appointment": 0.48, "question": 0.32, "offtopic": 0.2}
    d = decide(evidence(probabilities=unsure, appointment_gate=0.7), "en")
    assert d.kind == "question" and "share 0.60 < 0.70" in d.reason
    assert decide(evidence(probabilities=unsure, appointment_gate=0.0), "en").kind == "appointment"


def test_a_sure_hand_off_or_an_appointment_rule_is_kept() -> None:
    sure = {"appointment": 0.8, "question": 0.1, "offtopic": 0.1}
    assert decide(evidence(probabilities=sure, appointment_gate=0.7), "en").kind == "appointment"
    unsure = {"appointment": 0.48, "question": 0.32, "offtopic": 0.2}
    ruled = evidence(probabilities=unsure, appointment_gate=0.7, appointment_rule="en:appt:0")
    assert decide(ruled, "en").kind == "appointment"


def test_the_appointment_gate_never_lowers_an_emergency() -> None:
    probs = {"emergency.self_harm": 0.35, "appointment": 0.4, "question": 0.25}
    d = decide(evidence(probabilities=probs, appointment_gate=0.9), "en")
    assert d.kind == "emergency"


def test_an_off_topic_message_goes_to_retrieval_which_falls_back() -> None:
    assert (
        decide(evidence(probabilities={"offtopic": 0.9, "question": 0.1}), "en").kind == "question"
    )


# --- the shipped rules and model --------------------------------------------------------------

EMERGENCIES = [
    ("i have decided to kill myself tonight", "self_harm"),
    ("i wanna kms", "self_harm"),
    ("my son swallowed a whole bottle of my sleeping pills", "overdose_poisoning"),
    ("worst headache of my life, came on in seconds", "medical"),
    ("i think i just overdosed on my sleeping pills", "overdose_poisoning"),
    ("my husband can't breathe and his lips are blue", "medical"),
    ("no quiero vivir más, ya tengo todo planeado", "self_harm"),
    ("mi hija se tomó todas las pastillas de mi mamá", "overdose_poisoning"),
    ("je veux mourir ce soir", "self_harm"),
    ("我不想活了", "self_harm"),
    ("me voy a suicidar esta noche", "self_harm"),
]


@pytest.mark.parametrize("message, sub", EMERGENCIES)
def test_emergencies_are_recognised(message: str, sub: str) -> None:
    d = triage(message)
    assert d.kind == "emergency", d
    assert d.sub == sub, d


@pytest.mark.parametrize(
    "message",
    [
        "i'm not suicidal, just worn out. does ketamine help with fatigue?",
        "i would never hurt myself but my depression is bad, what treatments do you offer?",
        "dying to know how much an infusion costs",
        "this traffic is killing me, running a bit late for my appointment",
        "is ketamine a killer for pain?",
        "no soy suicida, solo quiero saber cuánto cuesta el tratamiento",
        "me muero de ganas de saber si aceptan mi seguro",
        "i overdosed two years ago and i'm in recovery now, do you treat addiction?",
        "sounds good, thank you",
        "my grandmother had a stroke years ago, could she still get infusions?",
        "tengo dolor de cabeza desde ayer, ¿ustedes tratan migrañas?",
    ],
)
def test_negations_and_idioms_are_not_emergencies(message: str) -> None:
    assert triage(message).kind != "emergency", triage(message)


@pytest.mark.parametrize(
    "message",
    [
        "i tried to kill myself when i was 19, am i still eligible",
        "i tried to take my own life back in 2015 and have been stable since, can i do ketamine",
        "years ago i tried to end my life, now im good. do you treat people like me",
    ],
)
def test_a_past_attempt_told_with_when_it_was_is_not_an_emergency(message: str) -> None:
    """Its words are masked like a past overdose's: no emergency rule fires on them."""
    d = triage(message)
    assert d.kind != "emergency", d


@pytest.mark.parametrize(
    "message",
    [
        "i tried to kill myself years ago and im thinking about doing it again tonight",
        "i tried to kill myself last night",
        "i tried to take my own life an hour ago",
        "i tried to kill myself tonight, like i did years ago",
        "i attempted to take my own life tonight and also when i was 17",
    ],
)
def test_an_attempt_now_or_intent_now_beside_a_past_one_is_still_an_emergency(
    message: str,
) -> None:
    assert triage(message).kind == "emergency", triage(message)


@pytest.mark.parametrize(
    "message, kind",
    [
        ("how many mg of ketamine should i take at home", "advice"),
        ("should i stop taking my sertraline before the infusion", "advice"),
        ("can i book a consultation for next week", "appointment"),
        ("please have someone call me back", "appointment"),
        ("do you take blue cross insurance", "question"),
        ("what is a ketamine infusion like", "question"),
        ("¿cuántos miligramos debo tomar?", "advice"),
        ("quiero hacer una cita por favor", "appointment"),
        ("tomo sertralina, ¿la dejo de tomar antes de la infusión?", "advice"),
    ],
)
def test_ordinary_messages_are_routed(message: str, kind: str) -> None:
    assert triage(message).kind == kind, triage(message)


def test_the_language_is_part_of_the_decision() -> None:
    assert triage("me quiero morir").lang == "es"
    assert triage("죽고 싶어요").lang == "ko"
    assert triage("what is ketamine", lang="es").lang == "es"  # a caller may say


@pytest.mark.parametrize(
    "message, kind",
    [
        # Written for this test, as Spanish speakers text: no accents, short forms.
        (
            "oiga, tomo fluvoxamina en las noches, la sigo o la suspendo antes de las sesiones?",
            "advice",
        ),
        ("cuanta ketamina me tocaria a mi si peso como 75 kilos", "advice"),
        ("tengo diabetes y tomo insulina, soy candidato pa las infusiones?", "advice"),
        ("me pueden apartar una cita pal viernes en la tarde?", "appointment"),
        ("cuanto rato dura la infusion mas o menos", "question"),
    ],
)
def test_spanish_as_texted_is_routed_by_the_learned_layer(message: str, kind: str) -> None:
    """No rule decides these: the n-grams must tell a dose or medicine question from a booking
    or an ordinary question, and an advice request gets the Spanish refusal."""
    from bot.triage.replies import reply_text

    d = triage(message)
    assert (d.kind, d.lang) == (kind, "es"), d
    assert d.reason.startswith("model"), d
    if kind == "advice":
        assert "no puedo aconsejar sobre dosis" in reply_text(d)
