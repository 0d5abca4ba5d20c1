"""A PostgreSQL server that stops answering (not refusing): nothing waits on it for long.

The database sits behind `FreezableProxy`; frozen, it keeps every connection open and
forwards nothing, like a paused or wedged server. Then `/readyz` must answer within 2 s and
a chat message within 5 s (the answer shown, only its log row missing), and both recover
when the database answers again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.settings import Settings
from bot.store.db import DatabaseUnavailable, make_engine, migrate
from bot.store.repo import ChatLog
from bot.web.server import create_app
from tests.store.conftest import make_reply
from tests.support.databases import pg_schema, require_postgres
from tests.support.fakes import FakeIndex, FakeResponder
from tests.support.freezable_proxy import FreezableProxy, freezable_proxy
from tests.support.servers import serve

from .gradio_queue import GradioQueue, new_session

pytestmark = pytest.mark.postgres

HANG_GUARD_S = 40  # far beyond any bound below: only there so a regression cannot hang CI


@pytest.fixture
def proxied_url() -> Iterator[tuple[str, FreezableProxy]]:
    require_postgres()
    with pg_schema("frozen_") as url:
        parsed = make_url(url)
        with freezable_proxy((parsed.host or "127.0.0.1", parsed.port or 5432)) as proxy:
            through = parsed.set(host="127.0.0.1", port=proxy.port)
            yield through.render_as_string(hide_password=False), proxy


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds `call` took, and its result or the exception it raised."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:
            outcome.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_GUARD_S)
    assert not thread.is_alive(), f"still waiting on the frozen database after {HANG_GUARD_S} s"
    return time.monotonic() - started, outcome[0]


def test_a_store_call_on_a_frozen_database_fails_within_the_deadline_and_recovers(
    proxied_url: tuple[str, FreezableProxy],
) -> None:
    url, proxy = proxied_url
    engine = make_engine(url)
    migrate(engine)
    log = ChatLog(engine)
    log.log_reply("before", make_reply())  # a pooled connection, as in a running app

    proxy.frozen.set()
    pooled_s, pooled = timed(lambda: log.log_reply("frozen", make_reply()))
    fresh_s, fresh = timed(lambda: log.log_reply("frozen", make_reply()))
    proxy.frozen.clear()
    _, after = timed(lambda: log.log_reply("after", make_reply()))

    assert isinstance(pooled, DatabaseUnavailable) and pooled_s <= 5
    assert isinstance(fresh, DatabaseUnavailable) and fresh_s <= 5
    assert isinstance(after, int), after  # the pool replaced its dead connections
    engine.dispose()


def test_with_the_database_frozen_readyz_answers_in_2_s_and_a_chat_message_in_5_s(
    proxied_url: tuple[str, FreezableProxy], tmp_path: Any
) -> None:
    url, proxy = proxied_url
    engine = make_engine(url)
    migrate(engine)
    settings = Settings(data_dir=tmp_path, database_url=url, clinic_phone="410-555-2368")
    app = create_app(settings, FakeResponder(), ChatLog(engine), index=FakeIndex, staff_app=False)
    with serve(app) as base, httpx.Client(base_url=base, timeout=HANG_GUARD_S) as http:
        queue = GradioQueue(base, timeout=HANG_GUARD_S)
        visitor = new_session()
        assert http.get("/readyz").status_code == 200
        assert queue.run("ask", ["What are your hours?"], visitor)[0]["message_id"] is not None

        proxy.frozen.set()
        ready = [timed(lambda: http.get("/readyz")) for _ in range(3)]
        ask_s, asked = timed(lambda: queue.run("ask", ["What are your hours?"], visitor))
        proxy.frozen.clear()
        time.sleep(3)  # the stuck check and the dead connections time out meanwhile
        recovered = http.get("/readyz")
        queue.close()

    for seconds, response in ready:
        assert seconds <= 2 and response.status_code == 503
        assert response.json()["database"] == "unreachable"
    assert ask_s <= 5 and asked[0]["kind"] == "answer" and asked[0]["message_id"] is None
    assert recovered.status_code == 200
    engine.dispose()
