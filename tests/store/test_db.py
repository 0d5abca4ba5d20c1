"""Engines and migrations: durable SQLite settings, clear errors, migrations safe to repeat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.store.db import (
    current_revision,
    head_revision,
    make_engine,
    migrate,
    ping,
    require_current_schema,
)
from bot.store.errors import (
    DatabaseUnavailable,
    InvalidDatabaseUrl,
    SchemaOutOfDate,
)
from bot.store.migrate import main as migrate_main
from bot.store.models import Base
from bot.store.repo import ChatLog

from .conftest import exit_codes_of_forked, make_reply

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"conversations", "messages", "appointment_requests", "staff_users", "audit_events"}


def test_migrate_twice_creates_the_schema_once_at_head(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert current_revision(engine) is None

    migrate(engine)
    migrate(engine)

    assert current_revision(engine) == head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES
    require_current_schema(engine)  # does not raise
    engine.dispose()


def test_migrations_match_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert diff == []


def test_the_session_generation_migration_keeps_existing_accounts_and_repeats_as_a_no_op(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(empty_db_url)
    migrate(engine, "0001")
    with engine.begin() as conn:  # an account made by the release before revocable sessions
        conn.execute(
            text(
                "INSERT INTO staff_users (username, password_hash, role, active, failed_logins, "
                "created_at) VALUES ('ana', 'x', 'staff', true, 0, CURRENT_TIMESTAMP)"
            )
        )

    assert migrate_main(["--database-url", empty_db_url]) == 0
    assert capsys.readouterr().out.endswith("(upgraded from 0001)\n")
    assert migrate_main(["--database-url", empty_db_url]) == 0
    assert capsys.readouterr().out.endswith("(already up to date)\n")

    assert current_revision(engine) == head_revision()
    ana = ChatLog(engine).get_staff("ana")
    # kept, with a random session generation from 0004 instead of the old counter's 0
    assert ana is not None and ana.session_generation > 0
    engine.dispose()


def test_using_an_unmigrated_database_says_to_run_the_migrations(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with pytest.raises(SchemaOutOfDate, match=r"bot\.store\.migrate"):
        require_current_schema(engine)
    with pytest.raises(SchemaOutOfDate, match=r"bot\.store\.migrate"):
        ChatLog(engine).log_reply("s1", make_reply())
    engine.dispose()


def test_sqlite_engine_creates_its_directory_and_sets_durable_pragmas(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "dir" / "clinic.sqlite3"
    engine = make_engine(f"sqlite:///{db}")
    for _ in range(2):  # two pooled connections, each configured on connect
        with engine.connect() as a, engine.connect() as b:
            for conn in (a, b):
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4000  # busy_s
    assert db.exists()
    engine.dispose()


def test_sqlite_transactions_roll_back_ddl_and_selects(tmp_path: Path) -> None:
    # The sqlite3 module's legacy mode would autocommit the CREATE TABLE; ours must not.
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.rollback()
    assert "t" not in inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "not a url", "oracle+cx_oracle://h/db"],
)
def test_unsupported_or_malformed_urls_raise_invalid_database_url(url: str) -> None:
    with pytest.raises(InvalidDatabaseUrl):
        make_engine(url)


def test_plain_postgresql_scheme_uses_psycopg_3() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()


def test_unreachable_postgresql_raises_database_unavailable() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable, match="unreachable"):
        ping(engine)
    with pytest.raises(DatabaseUnavailable):
        migrate(engine)
    engine.dispose()


def _migrate_cli(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.store.migrate", "--database-url", url],
        cwd="/",  # no alembic.ini, no reliance on the working directory
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_command_works_from_any_directory_and_twice(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _migrate_cli(empty_db_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.endswith(f"schema at revision {head_revision()} (upgraded from empty)\n")
    assert migrate_main(["--database-url", empty_db_url]) == 0
    assert capsys.readouterr().out.endswith("(already up to date)\n")


def _migrate_in_child(url: str) -> None:
    os._exit(migrate_main(["--database-url", url]))


def test_two_processes_migrating_at_once_both_succeed(empty_db_url: str) -> None:
    exit_codes = exit_codes_of_forked(_migrate_in_child, [(empty_db_url,)] * 3, timeout=60)
    assert exit_codes == [0, 0, 0]
    engine = make_engine(empty_db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_migrate_command_reports_a_bad_url_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert migrate_main(["--database-url", "mysql://u@h/db"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unsupported database 'mysql'")
    assert err.count("\n") == 1
