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

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.store.db import make_engine, migrate
from bot.store.models import Base
from bot.store.repo import ChatLog
from bot.types import Citation, Reply, ReplyKind

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def pg_base_url() -> str:
    return os.environ.get("CLINICBOT_TEST_POSTGRES_URL") or DEFAULT_PG_URL


@cache
def _pg_unreachable_reason() -> str | None:
    engine = create_engine(pg_base_url(), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as e:  # any failure to connect means "unreachable" here
        return f"PostgreSQL at {pg_base_url()} unreachable: {str(e).splitlines()[0]}"
    finally:
        engine.dispose()


def require_postgres() -> None:
    """Skip (locally) or fail (in CI) when the test server is not there."""
    reason = _pg_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set, so PostgreSQL tests must run)")
    pytest.skip(reason)


@contextmanager
def _pg_schema() -> Iterator[str]:
    """A URL whose connections use a new, empty schema of the PostgreSQL test database."""
    require_postgres()
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(pg_base_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # A session time zone other than UTC proves the store never depends on it.
    options = f"-csearch_path={schema} -ctimezone=America/New_York"
    url = make_url(pg_base_url()).update_query_dict({"options": options})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# Real argon2, with parameters cheap enough for dozens of hashes per test run.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def log(engine: Engine, clock: FakeClock) -> ChatLog:
    return ChatLog(engine, clock=clock, password_hasher=CHEAP_HASHER)


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
