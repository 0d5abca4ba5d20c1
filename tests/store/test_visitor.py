"""The visitor side: replies logged per session, feedback, durable appointment requests."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.store.db import make_engine
from bot.store.errors import (
    AlreadyRequested,
    AppointmentInvalid,
    InvalidValue,
    ReferenceUnavailable,
)
from bot.store.models import AppointmentRequest, Conversation, Message
from bot.store.repo import ChatLog
from bot.store.visitor.appointments import REFERENCE_PATTERN
from tests.support.accounts import CHEAP_HASHER
from tests.support.fakes import FakeClock

from .conftest import SAMPLE_FORM, exit_codes_of_forked, make_reply

FORM = replace(SAMPLE_FORM, reason="<b>TMS</b> follow-up")  # markup that storing cleans


def _messages(engine: Engine) -> list[Message]:
    with Session(engine) as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_first_reply_creates_the_conversation_and_later_ones_join_it(
    log: ChatLog, engine: Engine, clock: FakeClock
) -> None:
    first = log.log_reply("session-a", make_reply("Where are you?"))
    clock.advance(minutes=2)
    second = log.log_reply("session-a", make_reply("Do you take insurance?", kind="fallback"))
    other = log.log_reply("session-b", make_reply())

    assert first < second and other > second
    with Session(engine) as session:
        conversations = {c.session_id: c for c in session.scalars(select(Conversation))}
    assert set(conversations) == {"session-a", "session-b"}
    a = conversations["session-a"]
    assert (a.started_at, a.last_at) == (clock.now.replace(minute=0), clock.now)
    assert a.started_at.tzinfo is not None and a.last_at.utcoffset().total_seconds() == 0


def test_logged_message_keeps_what_the_visitor_saw(log: ChatLog) -> None:
    reply = make_reply(n_citations=2)
    message_id = log.log_reply("s", reply)

    transcript = log.get_transcript(log.list_conversations()[0].id)
    assert transcript is not None
    (message,) = transcript.messages
    assert message.id == message_id
    assert message.answer == reply.answer
    assert message.kind == "answer"
    assert message.index_version == "v-2025-06-01"
    assert message.latency_ms == 123
    assert [
        (c.n, c.title, c.quote, c.page_version, c.chunk_id, c.url) for c in message.citations
    ] == [(c.n, c.title, c.quote, c.page_version, c.chunk_id, c.url) for c in reply.citations]
    assert message.feedback is None


def test_personal_data_in_the_question_is_redacted_before_storage(
    log: ChatLog, engine: Engine
) -> None:
    log.log_reply("s", make_reply("I'm Ana, DOB 03/14/1985, call 555-123-4567 or ana@example.com"))

    (stored,) = _messages(engine)
    assert stored.question == "I'm Ana, DOB [date], call [phone] or [email]"


def test_clinic_number_can_be_kept_unredacted(engine: Engine) -> None:
    log = ChatLog(engine, keep_numbers=["555-867-5309"])
    log.log_reply("s", make_reply("Is 555-867-5309 your number? Mine is 555-123-4567"))
    assert _messages(engine)[0].question == "Is 555-867-5309 your number? Mine is [phone]"


def test_feedback_is_recorded_only_for_the_owning_session(log: ChatLog, engine: Engine) -> None:
    mine = log.log_reply("mine", make_reply())
    theirs = log.log_reply("theirs", make_reply())

    assert log.set_feedback("mine", mine, -1) is True
    assert log.set_feedback("mine", theirs, 1) is False  # someone else's message
    assert log.set_feedback("nobody", mine, 1) is False  # unknown session
    assert log.set_feedback("mine", 999_999, 1) is False  # unknown message

    feedback = {m.id: m.feedback for m in _messages(engine)}
    assert feedback == {mine: -1, theirs: None}


def test_feedback_can_be_changed_and_withdrawn(log: ChatLog, engine: Engine) -> None:
    message_id = log.log_reply("s", make_reply())
    log.set_feedback("s", message_id, 1)
    log.set_feedback("s", message_id, 0)
    (message,) = _messages(engine)
    assert message.feedback == 0 and message.feedback_at is not None
    with pytest.raises(InvalidValue):
        log.set_feedback("s", message_id, 2)


def test_emergency_flags_the_conversation_and_reopens_a_reviewed_one(log: ChatLog) -> None:
    log.log_reply("s", make_reply())
    conv_id = log.list_conversations()[0].id
    assert not log.list_conversations()[0].has_emergency

    log.log_reply("s", make_reply("I want to end it all", kind="emergency"))
    log.mark_reviewed(conv_id, "ana", "called back")
    assert log.list_conversations()[0].needs_attention is False

    log.log_reply("s", make_reply("I still feel unsafe", kind="emergency"))
    summary = log.list_conversations()[0]
    assert summary.has_emergency and summary.needs_attention


@pytest.mark.parametrize("session_id", ["", "x" * 65])
def test_session_ids_must_be_sensible(log: ChatLog, session_id: str) -> None:
    with pytest.raises(InvalidValue):
        log.log_reply(session_id, make_reply())


def test_appointment_reference_is_readable_from_another_engine_once_returned(
    log: ChatLog, db_url: str
) -> None:
    log.log_reply("s", make_reply())
    reference = log.request_appointment("s", FORM)

    assert REFERENCE_PATTERN.match(reference)
    other = make_engine(db_url)  # a separate pool: sees only committed data
    with Session(other) as session:
        row = session.scalars(
            select(AppointmentRequest).where(AppointmentRequest.reference == reference)
        ).one()
        conversation = session.scalars(select(Conversation)).one()
    other.dispose()
    assert row.status == "new" and row.consent is True
    assert row.reason == "TMS follow-up"  # cleaned
    assert row.conversation_id == conversation.id


def test_appointment_without_a_conversation_is_stored_unlinked(log: ChatLog) -> None:
    reference = log.request_appointment(None, FORM)
    second = log.request_appointment("never-chatted", FORM)
    requests = {r.reference: r for r in log.list_requests()}
    assert set(requests) == {reference, second}
    assert all(r.conversation_id is None for r in requests.values())


def test_the_same_form_key_twice_stores_one_request_and_names_the_first_reference(
    log: ChatLog,
) -> None:
    first = log.request_appointment(None, FORM, key="form-key-0123456789")

    with pytest.raises(AlreadyRequested) as again:
        log.request_appointment(None, replace(FORM, name="Ana P."), key="form-key-0123456789")
    other = log.request_appointment(None, FORM, key="another-key-0123456")

    assert again.value.reference == first
    assert sorted(r.reference for r in log.list_requests()) == sorted([first, other])


def test_the_same_form_sent_from_two_threads_at_once_is_stored_once(log: ChatLog) -> None:
    def send(_: int) -> str:
        try:
            return log.request_appointment(None, FORM, key="double-click-key-0001")
        except AlreadyRequested as e:
            return e.reference

    with ThreadPoolExecutor(4) as pool:
        references = set(pool.map(send, range(8)))

    assert len(references) == 1
    assert [r.reference for r in log.list_requests()] == list(references)


def test_invalid_appointment_raises_with_field_messages_and_stores_nothing(
    log: ChatLog,
) -> None:
    with pytest.raises(AppointmentInvalid) as caught:
        log.request_appointment("s", replace(FORM, phone="", email="", consent=False))
    assert set(caught.value.errors) == {"phone", "email", "consent"}
    assert log.list_requests() == []


def test_reference_collision_is_retried_with_a_new_reference(
    engine: Engine, clock: FakeClock
) -> None:
    issued = iter(["APT-AAAAAA", "APT-AAAAAA", "APT-AAAAAA", "APT-BBBBBB"])
    log = ChatLog(
        engine, clock=clock, password_hasher=CHEAP_HASHER, references=lambda: next(issued)
    )

    assert log.request_appointment(None, FORM) == "APT-AAAAAA"
    assert log.request_appointment(None, FORM) == "APT-BBBBBB"
    assert sorted(r.reference for r in log.list_requests()) == ["APT-AAAAAA", "APT-BBBBBB"]


def test_reference_exhaustion_is_a_named_error(engine: Engine) -> None:
    log = ChatLog(engine, references=lambda: "APT-AAAAAA")
    log.request_appointment(None, FORM)
    with pytest.raises(ReferenceUnavailable):
        log.request_appointment(None, FORM)


def test_many_requests_get_unique_references(log: ChatLog) -> None:
    references = [log.request_appointment(None, FORM) for _ in range(60)]
    assert len(set(references)) == 60


def test_concurrent_first_replies_of_one_session_share_one_conversation(
    log: ChatLog, engine: Engine
) -> None:
    # Several app instances (threads here) logging the same new session at once.
    barrier = threading.Barrier(6)

    def first_reply(i: int) -> int:
        barrier.wait()
        return log.log_reply("same-session", make_reply(f"question {i}"))

    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(first_reply, range(6)))

    assert len(set(ids)) == 6
    (summary,) = log.list_conversations()
    assert summary.message_count == 6
    with Session(engine) as session:
        assert len(session.scalars(select(Conversation)).all()) == 1


def test_concurrent_requests_all_commit_with_unique_references(log: ChatLog) -> None:
    with ThreadPoolExecutor(6) as pool:
        references = list(pool.map(lambda _: log.request_appointment(None, FORM), range(24)))
    assert len(set(references)) == 24
    assert {r.reference for r in log.list_requests()} == set(references)


def _busy_writer(url: str, worker: int) -> None:
    engine = make_engine(url)
    log = ChatLog(engine)
    try:
        for i in range(15):
            message_id = log.log_reply(f"w{worker}-{i % 3}", make_reply(f"q{i}"))
            log.set_feedback(f"w{worker}-{i % 3}", message_id, 1)
            log.request_appointment(f"w{worker}-0", FORM)
    except Exception:
        os._exit(1)
    os._exit(0)


def test_writers_in_several_processes_do_not_trip_over_each_other(db_url: str) -> None:
    # SQLite: each write takes the lock at BEGIN and waits its turn (busy timeout), so no
    # "database is locked" errors; PostgreSQL: ordinary row-level concurrency.
    exit_codes = exit_codes_of_forked(_busy_writer, [(db_url, w) for w in range(3)], timeout=120)
    assert exit_codes == [0, 0, 0]
    # Opened only now: no database connection is carried across fork().
    engine = make_engine(db_url)
    log = ChatLog(engine)
    summaries = log.list_conversations(limit=100)
    assert len(summaries) == 9
    assert sum(s.message_count for s in summaries) == 45
    assert sum(s.thumbs_up for s in summaries) == 45
    assert len(log.list_requests()) == 45
    engine.dispose()
