"""Fixtures for the ingest tests: throwaway knowledge/index directories and a counting embedder.

Helpers live in `helpers.py` (imported as tests.ingest.helpers): a `tests/ingest/__init__.py`
would make pytest name this package `ingest`, hiding the top-level `ingest.py` CLI module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.support.fakes import CountingEmbedder


@pytest.fixture(autouse=True)
def _stop_chroma_systems_under(tmp_path: Path) -> Iterator[None]:
    """Chroma keeps one system per path in-process: stop those this test left under tmp_path.

    Only those: `clear_system_cache()` would also break clients other test areas hold open
    across the session (e.g. a session-scoped index).
    """
    yield
    import sys

    if "chromadb" not in sys.modules:
        return
    from chromadb.api.shared_system_client import SharedSystemClient

    systems = SharedSystemClient._identifier_to_system
    for identifier in [i for i in systems if i.startswith(str(tmp_path))]:
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)
        systems.pop(identifier).stop()


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge"
    path.mkdir()
    return path


@pytest.fixture
def settings(tmp_path: Path, knowledge: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", knowledge_dir=knowledge, index_dir=tmp_path / "index"
    )


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()
