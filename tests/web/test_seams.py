"""create_app runs on what it is given: the store, the index and the clock are passed in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from bot.settings import Settings
from bot.store.db import make_engine, migrate
from bot.store.repo import ChatLog
from bot.web.server import create_app
from tests.staff.support import Console
from tests.support.accounts import CHEAP_HASHER, add_staff_accounts
from tests.support.fakes import FakeClock, FakeIndex, FakeResponder


@pytest.fixture
def app(tmp_path: Path, clock: FakeClock) -> Iterator[FastAPI]:
    settings = Settings(
        data_dir=tmp_path / "data", session_secret="seams-test-secret-" + "z9y8x7w6" * 4
    )
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    chatlog = ChatLog(engine, clock=clock, password_hasher=CHEAP_HASHER)
    add_staff_accounts(chatlog)
    yield create_app(settings, FakeResponder(), chatlog, index=FakeIndex, clock=clock)
    engine.dispose()


def test_the_console_of_the_whole_app_keeps_the_time_of_the_clock_it_is_given(
    app: FastAPI, clock: FakeClock
) -> None:
    staff = Console(app)
    assert staff.login("ana").status_code == 303
    assert staff.get("/conversations").status_code == 200
    clock.advance(minutes=Settings().staff_idle_minutes + 1)  # no real time passes
    response = staff.get("/conversations")
    assert response.status_code == 303
    assert "/staff/login" in response.headers["location"]


def test_the_page_views_come_from_the_index_it_is_given(app: FastAPI) -> None:
    page = Console(app, prefix="").get("/knowledge/hours")
    assert page.status_code == 200
    assert "Opening &lt;hours&gt;" in page.text  # FakeIndex's page, its markup escaped
