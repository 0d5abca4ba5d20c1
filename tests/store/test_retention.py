"""Retention: purge deletes exactly what is past its age, keeps unhandled requests and audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.store.errors import InvalidValue
from bot.store.models import AppointmentRequest, Conversation, Message
from bot.store.repo import ChatLog
from bot.store.visitor.appointments import AppointmentForm
from tests.support.fakes import START, FakeClock

from .conftest import make_reply

FORM = AppointmentForm("Bo", "555-123-4567", "", "", "", True)


def _state(engine: Engine) -> dict[str, set[str]]:
    with Session(engine) as session:
        return {
            "conversations": set(session.scalars(select(Conversation.session_id))),
            "requests": set(session.scalars(select(AppointmentRequest.name))),
            "messages": {str(n) for n in session.scalars(select(func.count(Message.id)))},
        }


NOW = START + timedelta(days=400)  # when the purge runs, with 90 / 365 days of retention


@pytest.fixture
def history(log: ChatLog, clock: FakeClock) -> None:
    """Rows of known ages relative to NOW."""

    def days_before(days: int) -> None:
        clock.now = NOW - timedelta(days=days)

    def request(name: str, session_id: str | None = None) -> int:
        log.request_appointment(session_id, replace(FORM, name=name))
        return next(r.id for r in log.list_requests() if r.name == name)

    # Conversations. "old": last active 100 days ago -> purged with its 3 messages.
    days_before(400)
    log.log_reply("old", make_reply())
    log.log_reply("old", make_reply())
    log.log_reply("revived", make_reply())
    days_before(100)
    log.log_reply("old", make_reply())
    linked = request("linked", "old")  # linked to "old"; handled recently -> stays
    days_before(89)
    log.log_reply("revived", make_reply())  # active 89 days ago -> stays
    days_before(0)
    log.log_reply("fresh", make_reply())

    # Requests: closed 366 days ago -> purged; contacted 364 days ago -> stays;
    # still 'new' after 380 days -> kept until someone handles it.
    days_before(400)
    closed, contacted = request("closed-old"), request("contacted-recent")
    days_before(380)
    request("new-old")
    days_before(366)
    log.set_request_status(closed, "closed", "ana")
    days_before(364)
    log.set_request_status(contacted, "contacted", "ana")
    days_before(10)
    log.set_request_status(linked, "contacted", "ana")
    days_before(0)


def test_purge_deletes_exactly_what_is_past_retention(
    log: ChatLog, engine: Engine, history: None, clock: FakeClock
) -> None:
    counts = log.purge(NOW, 90, 365)

    assert (counts.conversations, counts.messages) == (1, 3)
    assert (counts.appointment_requests, counts.new_requests_kept) == (1, 1)
    state = _state(engine)
    assert state["conversations"] == {"revived", "fresh"}
    assert state["messages"] == {"3"}
    assert state["requests"] == {"linked", "contacted-recent", "new-old"}
    # The linked request outlives its conversation, unlinked.
    linked = next(r for r in log.list_requests() if r.name == "linked")
    assert linked.conversation_id is None


def test_dry_run_counts_the_same_and_deletes_nothing(
    log: ChatLog, engine: Engine, history: None, clock: FakeClock
) -> None:
    before = _state(engine)
    dry = log.purge(NOW, 90, 365, dry_run=True)
    assert _state(engine) == before
    real = log.purge(NOW, 90, 365)
    assert (dry.conversations, dry.messages, dry.appointment_requests) == (
        real.conversations,
        real.messages,
        real.appointment_requests,
    )
    assert dry.dry_run and not real.dry_run


def test_purge_is_audited_and_keeps_the_audit_trail(
    log: ChatLog, history: None, clock: FakeClock
) -> None:
    audit_before = len(log.list_audit(limit=1000))
    log.purge(NOW, 90, 365, by="ops")
    events = log.list_audit(limit=1000)
    assert len(events) == audit_before + 1
    assert events[0].action == "purge" and events[0].username == "ops"
    assert "conversations=1" in events[0].detail


def test_purging_twice_deletes_nothing_more(log: ChatLog, history: None, clock: FakeClock) -> None:
    log.purge(NOW, 90, 365)
    again = log.purge(NOW, 90, 365)
    assert (again.conversations, again.messages, again.appointment_requests) == (0, 0, 0)


@pytest.mark.parametrize(("days", "appointment_days"), [(0, 365), (90, 0), (-1, 10)])
def test_retention_below_one_day_is_refused(
    log: ChatLog, clock: FakeClock, days: int, appointment_days: int
) -> None:
    with pytest.raises(InvalidValue):
        log.purge(NOW, days, appointment_days)
