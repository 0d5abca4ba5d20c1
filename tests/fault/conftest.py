"""Fixtures for the fault tests: a Responder over the shipped pages, live servers, PostgreSQL.

The long versions of the fault suites run only with CLINICBOT_LONG_FAULTS=1 (they are also
marked `slow`); the default versions are sized to stay well under two minutes per module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.support.databases import pg_database

LONG = os.environ.get("CLINICBOT_LONG_FAULTS") == "1"

long_only = pytest.mark.skipif(not LONG, reason="long version: set CLINICBOT_LONG_FAULTS=1")


@pytest.fixture(autouse=True)
def _fresh_chroma_systems() -> Iterator[None]:
    """Chroma caches one system per path in-process; a test's damage must not leak."""
    yield
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


@pytest.fixture
def make_responder(shipped_index_dir: Path) -> Callable[..., Any]:
    """A real Responder over the shipped pages, embedded with the real model and served by its
    own ONNX encoder as in production (optionally with an LLM phraser): the answers the fault
    tests break must be the answers visitors get."""
    from bot.answer.pipeline import Responder
    from bot.index import CurrentEncoder, IndexWatcher

    def make(**settings: Any) -> Any:
        watcher = IndexWatcher(shipped_index_dir)
        return Responder(
            watcher, CurrentEncoder(watcher), Settings(index_dir=shipped_index_dir, **settings)
        )

    return make


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throw-away database on the test PostgreSQL server (skipped if unreachable, not in CI)."""
    with pg_database("clinicbot_fault_") as url:
        yield url
