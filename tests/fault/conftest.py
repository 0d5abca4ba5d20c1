"""Fixtures for the fault tests: a hashing-embedder index of knowledge/, live servers, PostgreSQL.

The long versions of the fault suites run only with CLINICBOT_LONG_FAULTS=1 (they are also
marked `slow`); the default versions are sized to stay well under two minutes per module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.embed import HashingEmbedder
from bot.settings import PROJECT_ROOT, Settings
from tests.support.databases import pg_database

LONG = os.environ.get("CLINICBOT_LONG_FAULTS") == "1"

long_only = pytest.mark.skipif(not LONG, reason="long version: set CLINICBOT_LONG_FAULTS=1")


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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throw-away database on the test PostgreSQL server (skipped if unreachable, not in CI)."""
    with pg_database("clinicbot_fault_") as url:
        yield url
