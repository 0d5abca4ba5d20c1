"""Engines and schema migrations for the store: SQLite by default, PostgreSQL when shared.

`make_engine(url)` returns an Engine configured for durability (SQLite: WAL, synchronous=FULL,
foreign keys, a busy timeout, real BEGIN statements) or for several app instances (PostgreSQL:
pre-ping, connect timeout). `migrate(engine)` brings the schema to the newest Alembic revision;
it is safe to run twice and from several processes at once (PostgreSQL: an advisory lock;
SQLite: BEGIN IMMEDIATE). The command line is `python -m bot.store.migrate`.

Errors are the `StoreError` subclasses of `bot.store.errors`, re-exported here.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
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


def make_engine(url: str) -> Engine:
    """An Engine for `url` (SQLite or PostgreSQL), configured as described in the module doc."""
    parsed = _normalise_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = 5
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as e:
        raise InvalidDatabaseUrl(f"cannot use database URL {safe_url(parsed)}: {e}") from e


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see _on_begin): the sqlite3 module's legacy
        # mode skips BEGIN before SELECT and DDL, which breaks isolation and atomic migrations.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout=5000")
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
                conn.execute(text("SET LOCAL lock_timeout = '120s'"))
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except StoreError:
        raise
    except sa_exc.SQLAlchemyError as e:
        raise MigrationError(f"migrating {safe_url(engine.url)} failed: {_first_line(e)}") from e
