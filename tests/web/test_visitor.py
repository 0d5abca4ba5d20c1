"""VisitorChat: limits before the responder, friendly failures, logging, feedback, requests."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.settings import Settings
from bot.store.visitor.appointments import AppointmentForm
from bot.web.visitor.actions import VisitorChat, VisitorSession
from tests.support.fakes import FakeResponder, SecondsClock


@pytest.fixture
def chat(
    make_stack: Any, fake_responder: FakeResponder, seconds_clock: SecondsClock
) -> tuple[VisitorChat, Any, SecondsClock]:
    stack = make_stack(fake_responder, rate_limit_per_minute=3, max_message_chars=50)
    visitor = VisitorChat(stack.settings, stack.responder, stack.chatlog, seconds_clock)
    return visitor, stack, seconds_clock


def form(**kw: Any) -> AppointmentForm:
    values: dict[str, Any] = {
        "name": "Ann Example",
        "phone": "555 123 4567",
        "email": "",
        "preferred_time": "mornings",
        "reason": "first visit",
        "consent": True,
    }
    values.update(kw)
    return AppointmentForm(**values)


def test_a_reply_is_logged_and_its_id_returned(chat: Any) -> None:
    visitor, stack, _ = chat
    session = VisitorSession()

    turn = visitor.ask(session, "What are your opening hours?")

    assert turn.kind == "answer" and turn.message_id is not None
    rows = stack.rows("SELECT kind, question FROM messages WHERE id = :id", id=turn.message_id)
    assert rows == [("answer", "What are your opening hours?")]


def test_earlier_questions_are_passed_as_history(chat: Any) -> None:
    visitor, stack, _ = chat
    session = VisitorSession()
    visitor.ask(session, "What are your hours?")
    visitor.ask(session, "And on Saturday?")

    assert stack.responder.calls[-1] == ("And on Saturday?", ("What are your hours?",))


def test_the_medical_advice_reminder_is_asked_for_until_an_answer_has_shown_it(chat: Any) -> None:
    visitor, stack, clock = chat
    session = VisitorSession()
    visitor.ask(session, "I want to book an appointment")
    visitor.ask(session, "What are your hours?")
    clock.now += 61  # past the per-minute limit of this fixture
    visitor.ask(session, "And on Saturday?")

    assert stack.responder.reminds == [True, True, False]


def test_a_message_over_the_limit_is_refused_and_never_reaches_the_responder(chat: Any) -> None:
    visitor, stack, _ = chat

    turn = visitor.ask(VisitorSession(), "x" * 51)

    assert turn.kind == "too_long"
    assert "51 characters; the limit is 50" in turn.notice
    assert stack.responder.calls == []


def test_rate_limit_per_session_with_a_sliding_minute(chat: Any) -> None:
    visitor, stack, clock = chat
    session, other = VisitorSession(), VisitorSession()
    kinds = [visitor.ask(session, "hours?").kind for _ in range(4)]

    assert kinds == ["answer", "answer", "answer", "rate_limited"]
    assert visitor.ask(other, "hours?").kind == "answer"  # per session
    clock.now += 61
    assert visitor.ask(session, "hours?").kind == "answer"
    assert len(stack.responder.calls) == 5


def test_a_failing_responder_gives_the_friendly_message_and_logs_no_visitor_text(
    chat: Any, caplog: pytest.LogCaptureFixture
) -> None:
    visitor, stack, _ = chat
    session = VisitorSession()

    with caplog.at_level(logging.ERROR):
        turn = visitor.ask(session, "explode my secret 555-987-6543")

    assert turn.kind == "error"
    assert "410-555-2368" in turn.notice  # settings.clinic_contact
    assert "Traceback" not in turn.notice
    logged = caplog.text
    assert session.log_ref in logged and "RuntimeError" in logged
    assert session.session_id not in logged  # the id opens the session: only its hash
    assert "secret" not in logged and "555-987-6543" not in logged
    assert stack.rows("SELECT count(*) FROM messages") == [(0,)]


def test_the_reach_us_line_falls_back_to_the_form_without_a_contact(make_stack: Any) -> None:
    stack = make_stack(FakeResponder(), clinic_phone="")
    visitor = VisitorChat(stack.settings, FakeResponder(), stack.chatlog)

    assert "Request an appointment" in visitor.ask(VisitorSession(), "explode").notice


def test_feedback_lands_on_the_message_of_this_session_only(chat: Any) -> None:
    visitor, stack, _ = chat
    mine, other = VisitorSession(), VisitorSession()
    message_id = visitor.ask(mine, "hours?").message_id
    assert message_id is not None

    assert visitor.feedback(other, message_id, liked=True) is False
    assert visitor.feedback(mine, message_id, liked=False) is True
    assert stack.rows("SELECT feedback FROM messages WHERE id = :id", id=message_id) == [(-1,)]


def test_appointment_errors_come_back_per_field_and_nothing_is_stored(chat: Any) -> None:
    visitor, stack, _ = chat

    outcome = visitor.request_appointment(VisitorSession(), form(phone="12ab", consent=False))

    assert outcome.reference is None
    assert set(outcome.errors) == {"phone", "consent"}
    assert stack.rows("SELECT count(*) FROM appointment_requests") == [(0,)]


def test_an_appointment_reference_is_returned_once_stored(chat: Any) -> None:
    visitor, stack, _ = chat
    session = VisitorSession()
    visitor.ask(session, "hours?")

    outcome = visitor.request_appointment(session, form())

    assert outcome.reference and not outcome.errors
    rows = stack.rows("SELECT reference, name, phone FROM appointment_requests")
    assert rows == [(outcome.reference, "Ann Example", "555 123 4567")]


def test_a_store_failure_on_request_keeps_the_visitor_informed(chat: Any) -> None:
    visitor, _, _ = chat

    class BrokenLog:
        def request_appointment(
            self, session_id: str | None, form: AppointmentForm, *, key: str | None = None
        ) -> str:
            raise OSError("disk full")

    visitor.chatlog = BrokenLog()
    outcome = visitor.request_appointment(VisitorSession(), form())

    assert outcome.reference is None and not outcome.errors
    assert "try again" in outcome.failure and "410-555-2368" in outcome.failure
    assert "Request an appointment" not in outcome.failure  # the visitor is in the form


class LostReply:
    """The store commits the request, then the reply is lost (a kill, a dropped connection)."""

    def __init__(self, chatlog: Any) -> None:
        self.chatlog = chatlog
        self.lose_next = True

    def request_appointment(
        self, session_id: str | None, form: AppointmentForm, *, key: str | None = None
    ) -> str:
        reference = self.chatlog.request_appointment(session_id, form, key=key)
        if self.lose_next:
            self.lose_next = False
            raise ConnectionResetError("reply lost after commit")
        return reference


def test_a_retry_after_a_lost_reply_gives_the_same_reference_and_one_request(
    chat: Any,
) -> None:
    visitor, stack, _ = chat
    visitor.chatlog = LostReply(stack.chatlog)
    session = VisitorSession()

    failed = visitor.request_appointment(session, form(), "one-time-key-000001")
    retried = visitor.request_appointment(session, form(), "one-time-key-000001")

    assert failed.reference is None and "410-555-2368" in failed.failure
    assert retried.already and retried.reference
    assert stack.rows("SELECT reference FROM appointment_requests") == [(retried.reference,)]


def test_a_new_form_key_is_a_new_request(chat: Any) -> None:
    visitor, stack, _ = chat
    session = VisitorSession()

    first = visitor.request_appointment(session, form(), "one-time-key-000001")
    second = visitor.request_appointment(session, form(), "one-time-key-000002")

    assert not first.already and not second.already and first.reference != second.reference
    assert stack.rows("SELECT count(*) FROM appointment_requests") == [(2,)]


def test_without_a_clinic_contact_the_form_failure_names_no_form(make_stack: Any) -> None:
    stack = make_stack(FakeResponder(), clinic_phone="")
    visitor = VisitorChat(stack.settings, FakeResponder(), LostReply(stack.chatlog))

    failure = visitor.request_appointment(VisitorSession(), form(), "k" * 20).failure

    assert "try again" in failure and "appointment" not in failure.lower()


def test_settings_defaults_used_by_the_chat() -> None:
    settings = Settings()
    assert settings.max_message_chars == 1000 and settings.rate_limit_per_minute == 20
