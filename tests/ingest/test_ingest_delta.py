"""A small change copies the served version's Chroma collection and applies the change to it,
instead of rebuilding the whole graph; the result must be indistinguishable from a rebuild."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.index import VERSIONS, open_index
from bot.ingest import publish, verify_version
from bot.settings import Settings
from tests.ingest import helpers
from tests.ingest.helpers import write_page
from tests.support.fakes import CountingEmbedder

PAGES = 20
LONG = "Each paragraph here is long enough to be a chunk of its own on this page. " * 5


def pages(knowledge: Path, count: int = PAGES) -> None:
    for i in range(count):
        write_page(
            knowledge, f"p{i:02d}.md", f"Page {i}", f"# Page {i}", f"First of {i}. {LONG}",
            f"Second of {i}. {LONG}",
        )  # fmt: skip


def manifest(settings: Settings, version: str | None) -> dict:
    path = settings.resolved_index_dir / VERSIONS / str(version) / "manifest.json"
    return json.loads(path.read_text())


def chroma_ids(settings: Settings, version: str | None = None) -> set[str]:
    return helpers.chroma_ids(settings.resolved_index_dir, version)


def test_a_one_page_change_is_a_copy_of_the_served_collection_plus_the_change(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    pages(knowledge)
    first = publish(settings, embedder, progress=False)
    write_page(knowledge, "p07.md", "Page 7", "# Page 7", f"Rewritten seven. {LONG}")
    write_page(knowledge, "extra.md", "Extra", f"A new page. {LONG}")
    (knowledge / "p03.md").unlink()

    second = publish(settings, embedder, progress=False)

    build = manifest(settings, second.version)["chroma_build"]
    # p07: 2 chunks out, 1 in; extra: 1 in; p03: 2 out
    assert build["base"] == first.version and build["churn"] == (2 + 1) + 1 + 2
    with open_index(settings.resolved_index_dir) as index:
        assert chroma_ids(settings) == set(index.chunk_by_id)
        for chunk in index.chunks:  # every chunk, old or new, is found by its own text
            hits = index.dense_search(embedder.embed([chunk.text])[0], k=5)
            exact = [cid for cid, similarity in hits if similarity > 1 - 1e-4]
            assert chunk.chunk_id in exact  # (the hashing embedder has collisions)
    # The served version before it is untouched: it still holds its own chunks.
    assert chroma_ids(settings, first.version) == set(
        manifest(settings, first.version)["chunk_ids"]
    )


def test_small_changes_pile_up_until_a_version_is_built_from_scratch_again(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    pages(knowledge)
    publish(settings, embedder, progress=False)
    builds = []
    for n in range(6):  # the 1st edit replaces both chunks of p00, the others one of them
        write_page(knowledge, "p00.md", "Page 0", "# Page 0", f"Edit {n}. {LONG}", f"Same. {LONG}")
        report = publish(settings, embedder, progress=False)
        builds.append(manifest(settings, report.version)["chroma_build"])
    # Past 25% of the 40 chunks (MAX_CHURN), the 5th version is built afresh.
    assert [b["churn"] for b in builds] == [4, 6, 8, 10, 0, 2]
    assert [b["base"] is None for b in builds] == [False] * 4 + [True, False]


def test_a_copy_that_cannot_be_changed_is_built_from_scratch_and_published(
    settings: Settings,
    knowledge: Path,
    embedder: CountingEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.index import chroma

    pages(knowledge)
    publish(settings, embedder, progress=False)
    write_page(knowledge, "p07.md", "Page 7", "# Page 7", f"Rewritten seven. {LONG}")

    def failing(*args: object) -> list[str]:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(chroma, "apply_change", failing)
    with caplog.at_level("WARNING"):
        report = publish(settings, embedder, progress=False)

    assert report.ok and report.new_version
    assert "building it from scratch" in caplog.text and "disk I/O error" in caplog.text
    assert manifest(settings, report.version)["chroma_build"]["base"] is None
    verify_version(settings.resolved_index_dir / VERSIONS / str(report.version))
    assert chroma_ids(settings) == set(manifest(settings, report.version)["chunk_ids"])


def test_rebuild_and_a_new_model_never_start_from_a_copy(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    pages(knowledge, 4)
    publish(settings, embedder, progress=False)
    rebuilt = publish(settings, embedder, progress=False, rebuild=True)
    assert manifest(settings, rebuilt.version)["chroma_build"]["base"] is None
    other = CountingEmbedder()
    other.name = "another-model"
    moved = publish(settings, other, progress=False)
    assert manifest(settings, moved.version)["chroma_build"]["base"] is None


def test_a_one_page_change_takes_unchanged_vectors_from_the_served_version(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    import numpy as np

    from bot.index import CACHE

    pages(knowledge)
    first = publish(settings, embedder, progress=False)
    (settings.resolved_index_dir / CACHE).unlink()  # only the served version knows the vectors
    write_page(knowledge, "p07.md", "Page 7", "# Page 7", f"Rewritten seven. {LONG}")

    second = publish(settings, embedder, progress=False)

    # Only the new chunk and its new sentence ("Rewritten seven."): LONG is on every page.
    assert (second.chunks_embedded, second.sentences_embedded) == (1, 1)
    old, new = (settings.resolved_index_dir / VERSIONS / str(r.version) for r in (first, second))
    old_rows = {cid: i for i, cid in enumerate(manifest(settings, first.version)["chunk_ids"])}
    old_vectors, new_vectors = np.load(old / "vectors.npy"), np.load(new / "vectors.npy")
    kept = [
        (old_rows[cid], i)
        for i, cid in enumerate(manifest(settings, second.version)["chunk_ids"])
        if cid in old_rows
    ]
    assert len(kept) == 2 * PAGES - 2
    assert all(np.array_equal(old_vectors[a], new_vectors[b]) for a, b in kept)
    verify_version(new)
