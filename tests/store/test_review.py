"""The staff console's queries: filters and order, transcripts, review, requests, insights."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.store.errors import InvalidValue
from bot.store.repo import ChatLog
from bot.store.staff import queries as review
from bot.store.visitor.appointments import AppointmentForm
from tests.support.fakes import START, FakeClock

from .conftest import make_reply

FORM = AppointmentForm("Bo", "555-123-4567", "", "", "", True)


@pytest.fixture
def seeded(log: ChatLog, clock: FakeClock) -> dict[str, str]:
    """Five conversations a day apart; returns session id -> conversation id."""
    log.log_reply("plain", make_reply("What are your hours?"))  # day 0
    clock.advance(days=1)
    sorry = "Sorry, I could not find that on our pages."
    down = log.log_reply("unhappy", make_reply("Do you treat OCD?", "fallback", sorry))
    log.set_feedback("unhappy", down, -1)
    clock.advance(days=1)
    log.log_reply("crisis", make_reply("I want to hurt myself", kind="emergency"))
    clock.advance(days=1)
    log.log_reply("booker", make_reply("Can I book?", kind="appointment"))
    log.request_appointment("booker", FORM)
    clock.advance(days=1)
    log.log_reply("legal", make_reply("What dose of ketamine should I take?", kind="refusal"))
    log.log_reply("legal", make_reply("What are your HOURS?  "))
    return {c.session_id: c.id for c in log.list_conversations(limit=100)}


def _sessions(log: ChatLog, **filters: object) -> list[str]:
    return [c.session_id for c in log.list_conversations(**filters)]  # type: ignore[arg-type]


def test_unreviewed_emergencies_come_first_then_newest(log: ChatLog, seeded: dict) -> None:
    assert _sessions(log) == ["crisis", "legal", "booker", "unhappy", "plain"]


def test_a_reviewed_emergency_takes_its_place_by_date(log: ChatLog, seeded: dict) -> None:
    assert log.mark_reviewed(seeded["crisis"], "ana", "called, safe") is True
    assert _sessions(log) == ["legal", "booker", "crisis", "unhappy", "plain"]
    crisis = next(c for c in log.list_conversations() if c.session_id == "crisis")
    assert (crisis.reviewed_by, crisis.review_note, crisis.needs_attention) == (
        "ana",
        "called, safe",
        False,
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kinds": {"fallback"}}, ["unhappy"]),
        ({"kinds": {"emergency", "refusal"}}, ["crisis", "legal"]),
        ({"kinds": {"appointment"}}, ["booker"]),
        ({"thumbs_down": True}, ["unhappy"]),
        ({"text": "ocd"}, ["unhappy"]),
        ({"text": "HOURS"}, ["legal", "plain"]),
        ({"text": "COULD NOT find"}, ["unhappy"]),  # in answers
        ({"text": "100%"}, []),  # % is literal, not a wildcard
        ({"text": "_"}, []),
        ({"start": START + timedelta(days=2)}, ["crisis", "legal", "booker"]),
        ({"end": START + timedelta(days=1)}, ["plain"]),
        (
            {"start": START + timedelta(days=1), "end": START + timedelta(days=2, hours=1)},
            ["crisis", "unhappy"],
        ),
        ({"kinds": {"answer"}, "text": "hours"}, ["legal", "plain"]),
        ({"limit": 2}, ["crisis", "legal"]),
        ({"limit": 2, "offset": 2}, ["booker", "unhappy"]),
    ],
)
def test_filters_combine(log: ChatLog, seeded: dict, filters: dict, expected: list) -> None:
    assert _sessions(log, **filters) == expected


def test_unreviewed_filter_hides_reviewed_conversations(log: ChatLog, seeded: dict) -> None:
    log.mark_reviewed(seeded["plain"], "ana")
    log.mark_reviewed(seeded["legal"], "ana")
    assert _sessions(log, unreviewed=True) == ["crisis", "booker", "unhappy"]


def test_unknown_kind_is_refused(log: ChatLog) -> None:
    with pytest.raises(InvalidValue, match="unknown kind"):
        log.list_conversations(kinds={"answr"})


def test_summary_counts_and_first_question(log: ChatLog, seeded: dict) -> None:
    legal = next(c for c in log.list_conversations() if c.session_id == "legal")
    assert legal.message_count == 2
    assert legal.kinds == ("answer", "refusal")
    assert legal.first_question == "What dose of ketamine should I take?"
    booker = next(c for c in log.list_conversations() if c.session_id == "booker")
    assert len(booker.appointment_references) == 1
    unhappy = next(c for c in log.list_conversations() if c.session_id == "unhappy")
    assert (unhappy.thumbs_down, unhappy.thumbs_up) == (1, 0)


def test_transcript_shows_messages_in_order_with_requests(log: ChatLog, seeded: dict) -> None:
    transcript = log.get_transcript(seeded["booker"])
    assert transcript is not None
    assert [m.question for m in transcript.messages] == ["Can I book?"]
    (request,) = transcript.requests
    assert request.name == "Bo" and request.status == "new"
    assert log.get_transcript("0" * 32) is None


def test_marking_reviewed_is_audited(log: ChatLog, seeded: dict) -> None:
    log.mark_reviewed(seeded["crisis"], "ana", "ok")
    assert log.mark_reviewed("0" * 32, "ana") is False
    (event,) = log.list_audit(target_type="conversation")
    assert (event.username, event.action, event.target_id) == (
        "ana",
        "conversation.review",
        seeded["crisis"],
    )


def test_export_has_one_row_per_message_and_neutralises_formulas(
    log: ChatLog, seeded: dict
) -> None:
    log.log_reply("attacker", make_reply('=HYPERLINK("http://evil.example","x")', kind="fallback"))
    log.log_reply("attacker", make_reply("+1+cmd|' /C calc'!A0", kind="fallback"))
    log.log_reply("attacker", make_reply("@SUM(1)", kind="fallback"))
    log.log_reply("attacker", make_reply("-2+3", kind="fallback"))
    log.log_reply("attacker", make_reply("\t=1+1", kind="fallback"))
    rows = log.export_rows(kinds={"fallback"})

    text = log.export_csv(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))

    assert [row["question"] for row in parsed] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+1+cmd|' /C calc'!A0",
        "'@SUM(1)",
        "'-2+3",
        "'\t=1+1",
        "Do you treat OCD?",
    ]
    text_cells = [v for row in parsed for k, v in row.items() if k != "feedback"]
    assert not [c for c in text_cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    unhappy = next(r for r in parsed if r["question"] == "Do you treat OCD?")
    assert unhappy["feedback"] == "-1"  # a number stays a number
    assert unhappy["kind"] == "fallback"


def test_requests_queue_lists_new_first_and_status_changes_are_audited(
    log: ChatLog, clock: FakeClock
) -> None:
    first = log.request_appointment(None, FORM)
    clock.advance(hours=1)
    second = log.request_appointment(None, FORM)
    clock.advance(hours=1)
    third = log.request_appointment(None, FORM)
    by_ref = {r.reference: r for r in log.list_requests()}

    assert log.set_request_status(by_ref[first].id, "contacted", "ana", "left voicemail")
    assert log.set_request_status(by_ref[second].id, "closed", "ana")
    assert not log.set_request_status(999_999, "closed", "ana")

    assert [r.reference for r in log.list_requests()] == [third, first, second]
    assert [r.reference for r in log.list_requests("contacted")] == [first]
    updated = log.get_request(by_ref[first].id)
    assert updated is not None
    assert (updated.status, updated.staff_note, updated.updated_at) == (
        "contacted",
        "left voicemail",
        clock.now,
    )
    details = [e.detail for e in log.list_audit(target_type="appointment_request")]
    assert sorted(details) == ["new -> closed", "new -> contacted"]
    with pytest.raises(InvalidValue):
        log.set_request_status(by_ref[third].id, "done", "ana")
    with pytest.raises(InvalidValue):
        log.list_requests("done")


def test_stats_by_day_counts_replies_per_utc_day_and_kind(
    log: ChatLog, seeded: dict, clock: FakeClock
) -> None:
    day = START.date()
    assert log.stats_by_day(3) == [
        (day + timedelta(days=2), "emergency", 1),
        (day + timedelta(days=3), "appointment", 1),
        (day + timedelta(days=4), "answer", 1),
        (day + timedelta(days=4), "refusal", 1),
    ]
    assert len(log.stats_by_day(30)) == 6


def test_top_questions_group_case_and_spacing(log: ChatLog, seeded: dict) -> None:
    top = log.top_questions(limit=2)
    assert top[0][1] == 2 and top[0][0].strip().lower() == "what are your hours?"
    assert top[1][1] == 1


def test_fallback_questions_are_the_unanswered_ones_newest_first(
    log: ChatLog, seeded: dict, clock: FakeClock
) -> None:
    log.log_reply("x", make_reply("Do you do EMDR?", kind="fallback"))
    assert log.fallback_questions() == ["Do you do EMDR?", "Do you treat OCD?"]
    assert log.fallback_questions(days=1) == ["Do you do EMDR?"]


def test_audit_lists_newest_first_with_filters(log: ChatLog, clock: FakeClock) -> None:
    log.audit("ana", "conversation.view", "conversation", "c1")
    clock.advance(seconds=1)
    log.audit("bo", "export", "conversations", "", "kinds=fallback")
    assert [e.action for e in log.list_audit()] == ["export", "conversation.view"]
    assert [e.username for e in log.list_audit(username="ana")] == ["ana"]
    assert log.list_audit(limit=1)[0].detail == "kinds=fallback"


NEW_YORK = ZoneInfo("America/New_York")


def test_stats_by_day_counts_the_clinics_days_across_clock_changes(
    log: ChatLog, clock: FakeClock
) -> None:
    # (UTC time, New York day): both days the clocks change, each side of local midnight.
    logged = [
        (datetime(2026, 3, 8, 4, 59, 59, 999999, tzinfo=UTC), date(2026, 3, 7)),  # 23:59:59 EST
        (datetime(2026, 3, 8, 5, 0, tzinfo=UTC), date(2026, 3, 8)),  # 00:00 EST
        (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), date(2026, 3, 8)),  # 01:30 EST
        (datetime(2026, 3, 9, 3, 30, tzinfo=UTC), date(2026, 3, 8)),  # 23:30 EDT
        (datetime(2026, 3, 9, 4, 0, tzinfo=UTC), date(2026, 3, 9)),  # 00:00 EDT
        (datetime(2026, 11, 1, 3, 59, tzinfo=UTC), date(2026, 10, 31)),  # 23:59 EDT
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), date(2026, 11, 1)),  # 01:30 EDT
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), date(2026, 11, 1)),  # 01:30 EST, again
        (datetime(2026, 11, 2, 4, 30, tzinfo=UTC), date(2026, 11, 1)),  # 23:30 EST
    ]
    for i, (when, _) in enumerate(logged):
        clock.now = when
        log.log_reply(f"s{i}", make_reply(kind="answer" if i % 2 else "fallback"))
    clock.now = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)

    stats = log.stats_by_day(300, NEW_YORK)

    per_day: Counter[date] = Counter()
    for day, _, n in stats:
        per_day[day] += n
    assert per_day == Counter(day for _, day in logged)
    assert (date(2026, 3, 8), "answer", 2) in stats and (date(2026, 3, 8), "fallback", 1) in stats
    assert stats == sorted(stats)
    assert log.stats_by_day(1, NEW_YORK) == []  # nothing yet today, the 2nd in New York
    assert log.stats_by_day(2, NEW_YORK) == [
        (date(2026, 11, 1), "answer", 1),
        (date(2026, 11, 1), "fallback", 2),
    ]


def test_stats_by_day_splits_days_at_a_quarter_hour_offset(log: ChatLog, clock: FakeClock) -> None:
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+5:45: midnight is 18:15 UTC
    for i, when in enumerate(
        [
            datetime(2026, 1, 1, 18, 14, 59, 999000, tzinfo=UTC),  # 23:59:59.999 on the 1st
            datetime(2026, 1, 1, 18, 15, tzinfo=UTC),  # 00:00 on the 2nd
            datetime(2026, 1, 1, 18, 29, tzinfo=UTC),  # same quarter hour as the one before
        ]
    ):
        clock.now = when
        log.log_reply(f"k{i}", make_reply())
    clock.now = datetime(2026, 1, 2, 6, 0, tzinfo=UTC)

    assert log.stats_by_day(2, kathmandu) == [
        (date(2026, 1, 1), "answer", 1),
        (date(2026, 1, 2), "answer", 2),
    ]
    with log._read() as session:  # the SQL groups the same quarter hour into one row
        quarters = session.execute(select(review._quarter(session)).distinct()).scalars().all()
    assert len(quarters) == 2 and all(isinstance(q, int) for q in quarters)


def test_days_are_utc_days_whatever_the_database_time_zone(log: ChatLog, clock: FakeClock) -> None:
    clock.now = START.replace(hour=1, minute=30)  # 21:30 the day before in New York
    log.log_reply("late", make_reply())
    clock.now = START.replace(hour=23, minute=59)
    assert log.stats_by_day(1) == [(START.date(), "answer", 1)]
    (summary,) = log.list_conversations()
    assert summary.started_at == START.replace(hour=1, minute=30)
    assert summary.started_at.utcoffset() == timedelta(0)
