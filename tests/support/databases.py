"""Throw-away PostgreSQL schemas and databases on the test server, for the store-backed suites.

The server is CLINICBOT_TEST_POSTGRES_URL (default: the local one). When it cannot be reached
the test is skipped, except when CI is set: then it fails, so CI never passes without it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# `params=BACKENDS` runs a database fixture, and every test using it, on each backend in turn.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_base_url() -> str:
    """The test server's URL (with its database)."""
    return os.environ.get("CLINICBOT_TEST_POSTGRES_URL") or DEFAULT_PG_URL


@cache
def pg_unreachable_reason() -> str | None:
    """Why the test server cannot be used, or None; asked once per test run."""
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
    reason = pg_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set, so PostgreSQL tests must run)")
    pytest.skip(reason)


@contextmanager
def pg_schema(prefix: str, *, timezone: str | None = None) -> Iterator[str]:
    """A URL whose connections use a new, empty schema of the test database; dropped after.

    The schema is chosen with the connection option search_path, which keeps the test apart
    from anything else using that database; `timezone` sets the session time zone likewise.
    """
    require_postgres()
    schema = prefix + uuid.uuid4().hex[:16]
    admin = create_engine(pg_base_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    options = f"-csearch_path={schema}" + (f" -ctimezone={timezone}" if timezone else "")
    url = make_url(pg_base_url()).update_query_dict({"options": options})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def pg_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database (not just a schema) on the test server.

    Dropped afterwards with any connections still open to it.
    """
    require_postgres()
    url = make_url(pg_base_url())
    name = prefix + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
