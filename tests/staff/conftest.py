"""Fixtures for the staff-console tests: every store-backed test runs on SQLite and PostgreSQL.

PostgreSQL comes from CLINICBOT_TEST_POSTGRES_URL (default: the local server); each test
gets its own schema (connection option search_path), dropped afterwards. If the server is
unreachable the PostgreSQL half is skipped, except when CI is set: then it fails
(tests/support/databases.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from bot.embed import HashingEmbedder
from bot.settings import Settings
from bot.store.db import make_engine, migrate
from bot.store.repo import ChatLog
from bot.web.staff.app import build_staff_app
from tests.support.accounts import CHEAP_HASHER
from tests.support.databases import BACKENDS, pg_schema
from tests.support.fakes import FakeClock, NoSleep

from .support import Console, Seeded, mounted, seed, write_page


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema of the PostgreSQL test database."""
    with pg_schema("staff_") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def chatlog(engine: Engine, clock: FakeClock) -> ChatLog:
    return ChatLog(engine, clock=clock, password_hasher=CHEAP_HASHER, max_failed_logins=5)


@pytest.fixture
def seeded(chatlog: ChatLog, clock: FakeClock) -> Seeded:
    return seed(chatlog, clock)


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """Two good pages."""
    path = tmp_path / "knowledge"
    path.mkdir()
    write_page(
        path,
        "insurance.md",
        "Insurance and payment",
        "We accept Medicare and most major insurance plans. Call us to check yours.",
        url="https://clinic.example/insurance",
    )
    write_page(
        path,
        "hours.md",
        "Opening hours",
        "We are open Monday to Friday, 8am to 6pm. We are closed on public holidays.",
    )
    return path


@pytest.fixture
def settings(tmp_path: Path, knowledge: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        knowledge_dir=knowledge,
        session_secret="test-secret-" + "x" * 32,
        staff_idle_minutes=30,
    )


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture(autouse=True)
def _fresh_chroma_systems() -> Iterator[None]:
    """Chroma caches one system per path in-process; don't let one test's leak into the next."""
    yield
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@pytest.fixture
def sleeps() -> NoSleep:
    return NoSleep()


@pytest.fixture
def make_app(
    settings: Settings, chatlog: ChatLog, index_dir: Path, clock: FakeClock, sleeps: NoSleep
) -> Callable[..., FastAPI]:
    """build_staff_app with the test clock, a no-wait sleep and the hashing embedder."""

    def make(settings: Settings = settings, **overrides: Any) -> FastAPI:
        kwargs: dict[str, Any] = {"embedder": HashingEmbedder(), "clock": clock, "sleep": sleeps}
        kwargs.update(overrides)
        return build_staff_app(settings, chatlog, index_dir, **kwargs)

    return make


@pytest.fixture
def staff_app(make_app: Callable[..., FastAPI]) -> FastAPI:
    return make_app()


@pytest.fixture
def site(staff_app: FastAPI) -> FastAPI:
    """The console mounted at /staff, as app.py mounts it."""
    return mounted(staff_app)


@pytest.fixture
def anonymous(site: FastAPI) -> Console:
    return Console(site)


@pytest.fixture
def staff(site: FastAPI, seeded: Seeded) -> Console:
    console = Console(site)
    assert console.login("ana").status_code == 303
    return console


@pytest.fixture
def editor(site: FastAPI, seeded: Seeded) -> Console:
    console = Console(site)
    assert console.login("eddie").status_code == 303
    return console
