"""Fixtures for the store tests: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from CLINICBOT_TEST_POSTGRES_URL (default: the local server); a schema of
our own, chosen with the connection option search_path, keeps us apart from anything else
using that database. If the server is unreachable the PostgreSQL half is skipped, except
when the CI environment variable is set: then it fails.

- `empty_db_url`: a brand-new empty database (a new SQLite file / a new schema, dropped
  afterwards), for the migration tests.
- `db_url` / `engine`: a migrated database with no rows. Migrating costs ~0.2 s on
  PostgreSQL, so the schema is migrated once per run and every table is emptied before
  each test; SQLite copies a migrated template file.
"""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from bot.store.db import make_engine, migrate
from bot.store.models import Base
from bot.store.repo import ChatLog
from bot.store.visitor.appointments import AppointmentForm
from bot.types import Citation, Reply, ReplyKind
from tests.support.accounts import CHEAP_HASHER
from tests.support.databases import BACKENDS, pg_schema, require_postgres
from tests.support.fakes import FakeClock


@contextmanager
def _pg_schema() -> Iterator[str]:
    # A session time zone other than UTC proves the store never depends on it.
    with pg_schema("t_", timezone="America/New_York") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'clinic.sqlite3'}"
        return
    with _pg_schema() as url:
        yield url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "clinic.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _pg_migrated() -> Iterator[str]:
    with _pg_schema() as url:
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database without rows, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "data" / "clinic.sqlite3"
        path.parent.mkdir()
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    require_postgres()
    url: str = request.getfixturevalue("_pg_migrated")
    admin = create_engine(url)
    with admin.begin() as conn:
        # DELETE beats TRUNCATE on tables this small (no new files to create and sync).
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    admin.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated test database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def log(engine: Engine, clock: FakeClock) -> ChatLog:
    return ChatLog(engine, clock=clock, password_hasher=CHEAP_HASHER)


# A valid appointment form as a visitor fills it in; tests vary it with dataclasses.replace.
SAMPLE_FORM = AppointmentForm(
    name="Ana Pérez",
    phone="(555) 123-4567",
    email="ana@example.com",
    preferred_time="weekday mornings",
    reason="Follow-up on TMS",
    consent=True,
)


def exit_codes_of_forked(
    target: Callable[..., None], args_each: Iterable[tuple], timeout: float
) -> list[int | None]:
    """Run `target(*args)` in one forked child per args, all at once; their exit codes.

    Forked children start without an interpreter start-up, so they really race; each opens
    its own database connection (none is carried across fork()).
    """
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=target, args=args) for args in args_each]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout)
    return [child.exitcode for child in children]


def make_reply(
    question: str = "What are your opening hours?",
    kind: ReplyKind = "answer",
    answer: str = "We are open 8am to 6pm on weekdays [1].",
    n_citations: int = 1,
    index_version: str = "v-2025-06-01",
) -> Reply:
    """A Reply as the responder would produce it."""
    citations = tuple(
        Citation(
            n=i + 1,
            source=f"hours-{i}",
            title=f"Opening hours {i}",
            url=f"https://clinic.example/hours-{i}",
            quote="We are open 8am to 6pm on weekdays.",
            passage="Opening hours. We are open 8am to 6pm on weekdays. Closed on holidays.",
            chunk_id=f"hours-{i}-c0",
            page_version=f"pv-{i}",
        )
        for i in range(n_citations if kind == "answer" else 0)
    )
    return Reply(
        question=question,
        kind=kind,
        answer=answer,
        citations=citations,
        latency_ms=123.4,
        index_version=index_version,
    )


ReplyFactory = Callable[..., Reply]
