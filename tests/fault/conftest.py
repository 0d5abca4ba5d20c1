"""Fixtures for the fault tests: a hashing-embedder index of knowledge/, live servers, PostgreSQL.

The long versions of the fault suites run only with CLINICBOT_LONG_FAULTS=1 (they are also
marked `slow`); the default versions are sized to stay well under two minutes per module.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.embed import HashingEmbedder
from bot.settings import PROJECT_ROOT, Settings

LONG = os.environ.get("CLINICBOT_LONG_FAULTS") == "1"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

long_only = pytest.mark.skipif(not LONG, reason="long version: set CLINICBOT_LONG_FAULTS=1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a thread on a free loopback port; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(autouse=True)
def _fresh_chroma_systems() -> Iterator[None]:
    """Chroma caches one system per path in-process; a test's damage must not leak."""
    yield
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@pytest.fixture(scope="session")
def hashing_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """knowledge/ published once with the hashing embedder (no model): a read-only index."""
    from bot.ingest.pipeline import publish

    data_dir = tmp_path_factory.mktemp("fault-index")
    settings = Settings(data_dir=data_dir, knowledge_dir=PROJECT_ROOT / "knowledge")
    report = publish(settings, HashingEmbedder(), progress=False)
    assert report.version is not None, report.lines()
    return settings.resolved_index_dir


@pytest.fixture
def make_responder(hashing_index: Path) -> Callable[..., Any]:
    """A real Responder over the hashing index (optionally with an LLM phraser)."""
    from bot.answer.pipeline import Responder
    from bot.index import IndexWatcher

    def make(index_dir: Path | None = None, **settings: Any) -> Any:
        index_dir = index_dir or hashing_index
        return Responder(
            IndexWatcher(index_dir), HashingEmbedder(), Settings(index_dir=index_dir, **settings)
        )

    return make


def pg_base_url() -> str:
    return os.environ.get("CLINICBOT_TEST_POSTGRES_URL") or DEFAULT_PG_URL


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throw-away database on the test PostgreSQL server (skipped if unreachable, not in CI)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(pg_base_url())
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"clinicbot_fault_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable server: skip locally, fail in CI
        admin.dispose()
        reason = f"PostgreSQL at {url.render_as_string()} unreachable: {exc}".splitlines()[0]
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
