"""Emergencies told over several messages (bot.triage.conversation)."""

from bot.triage import triage
from bot.triage.conversation import triage_turn

OVERDOSE = "i swallowed a whole bottle of my sleeping pills"


def test_a_short_message_after_an_emergency_stays_an_emergency() -> None:
    for follow_up in ("what should i do", "ok"):
        assert triage(follow_up).kind != "emergency"
        decision = triage_turn(follow_up, [OVERDOSE])
        assert decision.kind == "emergency", follow_up
        assert decision.reason.startswith("continued")
        assert decision.sub == "overdose_poisoning"


def test_a_long_question_after_an_emergency_is_answered_with_the_help_line() -> None:
    question = (
        "how much does a ketamine infusion cost at your clinic and do you take aetna "
        "insurance for the first visit"
    )
    decision = triage_turn(question, [OVERDOSE])
    assert decision.kind != "emergency"
    assert decision.notice == "overdose_poisoning"


def test_an_emergency_in_the_message_itself_never_depends_on_history() -> None:
    message = "my face is drooping and i cant talk right"
    assert triage_turn(message, ["how much is an infusion"]).kind == "emergency"
    assert triage_turn(message).kind == triage(message).kind == "emergency"


def test_an_ordinary_conversation_raises_nothing() -> None:
    history = ["how much does an infusion cost", "how many sessions do people need"]
    decision = triage_turn("does insurance cover it", history)
    assert decision.kind == "question"
    assert decision.notice is None


def test_an_emergency_older_than_the_window_no_longer_repeats() -> None:
    history = [OVERDOSE, "thanks, the ambulance came and i'm home now", "how long is a session"]
    assert triage_turn("ok", history).kind != "emergency"
