"""Rate limits per client address and per session, for chat messages and appointment requests,
held together by several instances when they share PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import InvalidSettings, Settings, load_settings
from bot.store.db import make_engine, migrate
from bot.store.models import RateLimitCounter
from bot.store.visitor.appointments import AppointmentForm
from bot.web.ratelimit import Limits, SqlStorage, VisitorLimiter, fingerprint
from bot.web.visitor.actions import VisitorChat, VisitorSession
from tests.support.databases import pg_database
from tests.support.fakes import FakeResponder, SecondsClock

ADDRESS = "203.0.113.7"


def form(n: int) -> AppointmentForm:
    return AppointmentForm(
        name=f"Visitor {n}",
        phone="555 123 4567",
        email="",
        preferred_time="mornings",
        reason="first visit",
        consent=True,
    )


def test_100_messages_each_from_a_new_session_of_one_address_are_limited(
    make_stack: Any,
) -> None:
    stack = make_stack(FakeResponder())
    visitor = VisitorChat(stack.settings, stack.responder, stack.chatlog)

    kinds = [
        visitor.ask(VisitorSession(), "What are your hours?", ADDRESS).kind for _ in range(100)
    ]

    assert kinds[:60].count("rate_limited") == 0  # the documented 60/minute per address
    assert kinds[60:] == ["rate_limited"] * 40
    other = visitor.ask(VisitorSession(), "What are your hours?", "203.0.113.8")
    assert other.kind != "rate_limited"  # another address is not affected


def test_30_appointment_requests_are_limited_per_session_and_per_address(
    make_stack: Any,
) -> None:
    stack = make_stack(FakeResponder())
    visitor = VisitorChat(stack.settings, stack.responder, stack.chatlog)
    session = VisitorSession()

    same_session = [visitor.request_appointment(session, form(n), None, ADDRESS) for n in range(30)]
    new_sessions = [
        visitor.request_appointment(VisitorSession(), form(n), None, ADDRESS) for n in range(30)
    ]

    assert sum(o.reference is not None for o in same_session) == 3  # 3/hour per session
    assert sum(o.reference is not None for o in new_sessions) == 7  # 10/hour per address in all
    assert stack.rows("SELECT count(*) FROM appointment_requests") == [(10,)]
    refused = same_session[-1]
    assert refused.reference is None and "several requests" in refused.failure


def test_the_limits_are_settings(make_stack: Any) -> None:
    stack = make_stack(
        FakeResponder(),
        rate_limit_client_messages="5/minute",
        rate_limit_session_appointments="1/hour",
    )
    visitor = VisitorChat(stack.settings, stack.responder, stack.chatlog)

    kinds = [visitor.ask(VisitorSession(), "Hours?", ADDRESS).kind for _ in range(7)]
    session = VisitorSession()
    sent = [visitor.request_appointment(session, form(n), None, ADDRESS) for n in range(2)]

    assert kinds.count("rate_limited") == 2
    assert [o.reference is not None for o in sent] == [True, False]


def test_a_mistyped_limit_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINICBOT_RATE_LIMIT_CLIENT_MESSAGES", "sixty a minute")
    with pytest.raises(InvalidSettings, match="CLINICBOT_RATE_LIMIT_CLIENT_MESSAGES"):
        load_settings()


def test_sql_counters_open_a_new_window_once_the_old_one_ends(
    tmp_path: Path, seconds_clock: SecondsClock
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    clock = seconds_clock
    storage = SqlStorage(engine, clock)

    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") == clock.now + 60
    clock.now += 61
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    engine.dispose()


def test_counters_hold_hashes_not_addresses(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    limiter = VisitorLimiter(Limits.from_settings(Settings()), SqlStorage(engine))

    limiter.allow_message(ADDRESS)

    with engine.connect() as conn:
        keys = list(conn.scalars(select(RateLimitCounter.key)))
    assert len(keys) == 2  # 60/minute and 600/hour
    assert all(ADDRESS not in key and fingerprint(ADDRESS) in key for key in keys)
    engine.dispose()


@pytest.fixture
def shared_pg() -> Iterator[str]:
    with pg_database("clinicbot_limits_") as url:
        yield url


@pytest.mark.postgres
def test_two_instances_on_one_postgresql_share_the_limit(shared_pg: str, tmp_path: Path) -> None:
    from bot.store.repo import ChatLog

    settings = Settings(data_dir=tmp_path, database_url=shared_pg)
    engines = [make_engine(shared_pg), make_engine(shared_pg)]
    migrate(engines[0])
    instances = [
        VisitorChat(
            settings,
            FakeResponder(),
            ChatLog(engine),
            limiter=VisitorLimiter.for_settings(settings, engine),
        )
        for engine in engines
    ]
    assert all(isinstance(v.limiter.storage, SqlStorage) for v in instances)

    # the visitor alternates between the two instances (as a load balancer would send them)
    kinds = [instances[n % 2].ask(VisitorSession(), "Hours?", ADDRESS).kind for n in range(100)]
    sent = [
        instances[n % 2].request_appointment(VisitorSession(), form(n), None, ADDRESS)
        for n in range(30)
    ]

    assert kinds.count("rate_limited") == 40
    assert sum(o.reference is not None for o in sent) == 10
    with engines[0].connect() as conn:
        keys = list(conn.scalars(select(RateLimitCounter.key)))
    assert keys and not any(ADDRESS in key for key in keys)
    for engine in engines:
        engine.dispose()


def test_memory_counters_when_the_database_is_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    limiter = VisitorLimiter.for_settings(Settings(data_dir=tmp_path), engine)
    assert not isinstance(limiter.storage, SqlStorage)
    engine.dispose()


def test_over_http_a_new_session_per_message_does_not_escape_the_limit(live: Any) -> None:
    from tests.deploy.support import QueueClient

    stack = live(FakeResponder(), rate_limit_client_messages="5/minute")
    kinds = []
    for _ in range(8):
        client = QueueClient(stack.url)  # a new Gradio session each time
        try:
            kinds.append(client.ask("What are your hours?")["kind"])
        finally:
            client.close()

    assert kinds[5:] == ["rate_limited"] * 3
    assert "rate_limited" not in kinds[:5]
