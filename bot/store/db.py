"""Engines and schema migrations for the store: SQLite by default, PostgreSQL when shared.

`make_engine(url, timeouts)` returns an Engine configured for durability (SQLite: WAL,
synchronous=FULL, foreign keys, a busy timeout, real BEGIN statements) or for several app
instances (PostgreSQL: pre-ping, and the `DatabaseTimeouts` that keep a database which stops
answering from holding a request: connect, statement and idle-in-transaction timeouts, TCP
keepalives, and a client-side deadline on every round trip). `migrate(engine)` brings the
schema to the newest Alembic revision; it is safe to run twice and from several processes at
once (PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE). The command line is
`python -m bot.store.migrate`.

Errors are the `StoreError` subclasses of `bot.store.errors`, re-exported here.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from bot.store.errors import (
    DatabaseUnavailable,
    InvalidDatabaseUrl,
    MigrationError,
    SchemaOutOfDate,
    StoreError,
)

__all__ = [
    "DatabaseTimeouts",
    "DatabaseUnavailable",
    "InvalidDatabaseUrl",
    "MigrationError",
    "SchemaOutOfDate",
    "StoreError",
    "current_revision",
    "head_revision",
    "make_engine",
    "migrate",
    "ping",
    "require_current_schema",
    "timeouts_from",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed 64-bit number works; it only has to be the same in every process that migrates.
_MIGRATION_LOCK_KEY = zlib.crc32(b"clinicbot:migrate")
# Used by write transactions on SQLite: take the write lock at BEGIN so that a transaction
# never has to upgrade a stale read snapshot (which fails at once with "database is locked").
SQLITE_WRITE = {"sqlite_begin": "BEGIN IMMEDIATE"}


def safe_url(url: str | URL) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return "<invalid URL>"


def _normalise_url(url: str) -> URL:
    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    except sa_exc.ArgumentError as e:
        raise InvalidDatabaseUrl(f"cannot parse database URL {url!r}: {e}") from e
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # Plain postgresql:// would pick psycopg2, which we do not ship; psycopg 3 is installed.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise InvalidDatabaseUrl(
            f"unsupported database {backend!r} in {safe_url(parsed)}: use sqlite:///PATH "
            "or postgresql+psycopg://USER@HOST/DB"
        )
    return parsed


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long the app waits on the database (the settings `database_*_timeout_s`).

    A PostgreSQL server that stops answering without closing the connection (frozen, paused,
    behind a dead link) still has its kernel acknowledge our packets, so neither TCP nor the
    server's own statement_timeout ever ends the wait: `round_trip_s` is enforced by the
    client on every wait for the server (statements, commits, the pool's pre-ping).
    """

    connect_s: int = 2  # libpq's connect_timeout (whole seconds, at least 2)
    round_trip_s: float = 2.0  # statement_timeout on the server; the client gives up 0.25 s later
    idle_in_transaction_s: float = 10.0  # the server ends a transaction its client abandoned
    busy_s: float = 4.0  # SQLite: how long a writer waits for the write lock
    pool_wait_s: float = 2.0  # waiting for a free pooled connection

    @property
    def client_deadline_s(self) -> float:
        return self.round_trip_s + 0.25


def timeouts_from(settings: Any) -> DatabaseTimeouts:
    """The `database_*` fields of `bot.settings.Settings` as `DatabaseTimeouts`."""
    return DatabaseTimeouts(
        connect_s=settings.database_connect_timeout_s,
        round_trip_s=settings.database_timeout_s,
        idle_in_transaction_s=settings.database_idle_in_transaction_s,
        busy_s=settings.database_busy_timeout_s,
        pool_wait_s=settings.database_timeout_s,
    )


@cache
def _deadline_connection() -> type:
    """The psycopg connection class with a client deadline, made on first use: psycopg (9 MB)
    is imported only by a process that talks to PostgreSQL, not by one on SQLite."""
    import psycopg

    class _DeadlineConnection(psycopg.Connection):
        """A psycopg connection whose every wait for the server has a deadline.

        On expiry the connection is closed (it is mid-protocol and cannot be reused) and the
        caller gets an OperationalError, which SQLAlchemy treats as a disconnect: the pooled
        connection is thrown away.
        """

        deadline_s: float | None = None

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            limit = timeout if timeout is not None else self.deadline_s
            try:
                return super().wait(gen, interval=interval, timeout=limit)
            # psycopg >= 3.3 raises this (private) class when `timeout` passes; pinned in pyproject.
            except psycopg.errors._WaitTimeout:
                self.close()
                raise psycopg.OperationalError(
                    f"the database did not answer within {limit:g} s; connection closed"
                ) from None

    return _DeadlineConnection


def _has_deadline(raw: Any) -> bool:
    return "psycopg" in sys.modules and isinstance(raw, _deadline_connection())


@contextmanager
def no_client_deadline(conn: Connection) -> Iterator[None]:
    """Lift the client deadline on this connection (migrations wait for a lock on purpose)."""
    raw = conn.connection.dbapi_connection
    before = getattr(raw, "deadline_s", None)
    if _has_deadline(raw):
        raw.deadline_s = None
    try:
        yield
    finally:
        if _has_deadline(raw):
            raw.deadline_s = before


def make_engine(url: str, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """An Engine for `url` (SQLite or PostgreSQL), configured as described in the module doc."""
    timeouts = timeouts or DatabaseTimeouts()
    parsed = _normalise_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, timeouts)
        return _postgres_engine(parsed, timeouts)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as e:
        raise InvalidDatabaseUrl(f"cannot use database URL {safe_url(parsed)}: {e}") from e


def _postgres_engine(url: URL, timeouts: DatabaseTimeouts) -> Engine:
    server_options = (
        f"-c statement_timeout={round(timeouts.round_trip_s * 1000)} "
        f"-c idle_in_transaction_session_timeout={round(timeouts.idle_in_transaction_s * 1000)}"
    )
    connect_args: dict[str, Any] = {
        "connect_timeout": max(2, timeouts.connect_s),
        # Dead peers (a cut link, a crashed host) are found by TCP itself within ~20 s even
        # on an idle pooled connection; a frozen server is the client deadline's job.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 2,
        "tcp_user_timeout": round(timeouts.client_deadline_s * 1000),
    }
    # A URL's own settings win (e.g. ?connect_timeout=10 or ?options=...).
    for key in list(connect_args):
        if key in url.query:
            del connect_args[key]
    if "options" in url.query:
        connect_args["options"] = f"{url.query['options']} {server_options}"
        url = url.difference_update_query(["options"])
    else:
        connect_args["options"] = server_options
    engine = create_engine(
        url, pool_pre_ping=True, pool_timeout=timeouts.pool_wait_s, connect_args=connect_args
    )

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        connection = _deadline_connection().connect(*cargs, **cparams)
        connection.deadline_s = timeouts.client_deadline_s
        return connection

    return engine


def _sqlite_engine(url: URL, timeouts: DatabaseTimeouts) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_timeout=timeouts.pool_wait_s)
    busy_ms = round(timeouts.busy_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see _on_begin): the sqlite3 module's legacy
        # mode skips BEGIN before SELECT and DDL, which breaks isolation and atomic migrations.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

    return engine


def write_engine(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions take SQLite's write lock at BEGIN."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**SQLITE_WRITE)
    return engine


@contextmanager
def translate_errors(engine: Engine) -> Iterator[None]:
    """Turn driver-level connection failures into `DatabaseUnavailable` with a useful message."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as e:
        if isinstance(e, sa_exc.OperationalError) and _is_missing_table(e):
            raise SchemaOutOfDate(
                f"the database {safe_url(engine.url)} has no tables yet: run "
                "`python -m bot.store.migrate` first"
            ) from e
        raise DatabaseUnavailable(
            f"database {safe_url(engine.url)} is unreachable or busy: {_first_line(e)}"
        ) from e
    except sa_exc.ProgrammingError as e:
        if _is_missing_table(e):
            raise SchemaOutOfDate(
                f"the database {safe_url(engine.url)} has no tables yet: run "
                "`python -m bot.store.migrate` first"
            ) from e
        raise


def _is_missing_table(e: sa_exc.DBAPIError) -> bool:
    message = str(e.orig).lower()
    return "no such table" in message or ("relation" in message and "does not exist" in message)


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def _alembic_config() -> Config:
    # No alembic.ini: everything Alembic needs is set here, so it works from any directory.
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The newest migration revision shipped with the code."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with translate_errors(engine), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_current_schema(engine: Engine) -> None:
    """Raise `SchemaOutOfDate` unless the database is at the newest revision."""
    current = current_revision(engine)
    if current != head_revision():
        raise SchemaOutOfDate(
            f"database {safe_url(engine.url)} is at schema revision {current or 'none'}, "
            f"the code needs {head_revision()}: run `python -m bot.store.migrate`"
        )


def ping(engine: Engine) -> None:
    """Raise `DatabaseUnavailable` unless a trivial query succeeds (for readiness checks)."""
    with translate_errors(engine), engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to the newest revision (or to `revision`, which tests of a later
    migration start from) in one transaction, serialised across processes."""
    cfg = _alembic_config()
    try:
        with translate_errors(engine), write_engine(engine).begin() as conn:
            if conn.dialect.name == "postgresql":
                # Waits for any other migrating process, then sees its committed result, so the
                # second runner finds the schema at head and does nothing.
                # Schema changes may take long on a big table: no statement limit here.
                conn.execute(text("SET LOCAL lock_timeout = '120s'"))
                conn.execute(text("SET LOCAL statement_timeout = 0"))
            with no_client_deadline(conn):
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                    )
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
    except StoreError:
        raise
    except sa_exc.SQLAlchemyError as e:
        raise MigrationError(f"migrating {safe_url(engine.url)} failed: {_first_line(e)}") from e
