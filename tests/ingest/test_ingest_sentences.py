"""Sentence vectors made at ingest: split exactly as answers quote, embedded once, checksummed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.answer import compose
from bot.index import VERSIONS, IndexCorrupt, open_index, read_current
from bot.ingest import VerificationFailed, plan, publish, verify_version
from bot.settings import Settings
from tests.ingest.helpers import SHIPPED_PAGE, strip_sentences, write_page
from tests.support.fakes import CountingEmbedder, ExplodingEmbedder

SHARED = "Call the clinic if you have any questions about your visit."
LONG = "This sentence pads the paragraph so that it stands alone as its own chunk. " * 6


def two_pages(knowledge: Path) -> None:
    write_page(knowledge, "alpha.md", "Alpha", "# Alpha", f"Alpha one is first. {SHARED} {LONG}")
    write_page(knowledge, "beta.md", "Beta", "# Beta", f"Beta one is first. {SHARED} {LONG}")


def test_every_chunk_is_stored_split_as_answers_split_it_with_each_sentence_vector(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    import shutil

    shutil.copy(SHIPPED_PAGE, knowledge)
    publish(settings, embedder, progress=False)
    with open_index(settings.resolved_index_dir) as index:
        table = index.sentences
        assert table is not None
        for chunk in index.chunks:
            stored = compose.sentences(chunk, table)
            split_now = compose.sentences(chunk)  # what answering did before ingest stored them
            assert [(s.start, s.end) for s in stored] == [(s.start, s.end) for s in split_now]
            vectors = table.vectors_of([s.row for s in stored])
            expected = embedder.embed([s.text for s in stored])
            np.testing.assert_allclose(vectors, expected, atol=2e-3)


def test_a_sentence_is_embedded_once_and_never_again_when_its_page_is_unchanged(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    two_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    # Two one-chunk pages; distinct sentences: the two openings, SHARED and the padding one.
    assert (first.chunks_embedded, first.sentences_embedded) == (2, 4)
    assert embedder.texts.count(SHARED) == 1  # on both pages, embedded once
    embedder.texts.clear()

    write_page(
        knowledge,
        "beta.md",
        "Beta",
        "# Beta",
        f"Beta one is first. {SHARED} {LONG}",
        "A new paragraph about parking.",
    )
    report = publish(settings, embedder, progress=False)

    assert report.new_version and report.pages_changed == ("beta",)
    assert embedder.texts == ["A new paragraph about parking."]  # one chunk, one sentence: once
    assert (report.chunks_embedded, report.sentences_embedded) == (1, 0)
    with open_index(settings.resolved_index_dir) as index:
        assert index.sentences is not None
        texts = [s.text for c in index.chunks for s in compose.sentences(c, index.sentences)]
    assert "A new paragraph about parking." in texts and texts.count(SHARED) == 2


def test_a_version_published_before_sentence_vectors_is_republished_with_them_from_the_cache(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    two_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    index_dir = settings.resolved_index_dir
    strip_sentences(index_dir / VERSIONS / str(first.version))
    with open_index(index_dir) as old:
        assert old.sentences is None  # still loads (answering embeds sentences per question)

    assert plan(settings, ExplodingEmbedder()).new_version
    upgrade = publish(settings, ExplodingEmbedder(), progress=False)  # everything is cached

    assert upgrade.new_version and upgrade.pages_unchanged == ("alpha", "beta")
    assert any("no sentence vectors" in w for w in upgrade.warnings)
    with open_index(index_dir) as new:
        assert new.sentences is not None and new.manifest.parent == first.version
    assert not publish(settings, ExplodingEmbedder(), progress=False).new_version


def test_a_version_split_by_other_code_answers_from_query_time_splitting_and_is_republished(
    settings: Settings,
    knowledge: Path,
    embedder: CountingEmbedder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    two_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    manifest_path = settings.resolved_index_dir / VERSIONS / str(first.version) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["sentences"]["splitter"] = "pysbd-0.0.1-0123456789ab"
    manifest_path.write_text(json.dumps(manifest))

    with caplog.at_level("WARNING"), open_index(settings.resolved_index_dir) as index:
        assert index.sentences is None
    assert "split by pysbd-0.0.1" in caplog.text
    assert publish(settings, ExplodingEmbedder(), progress=False).new_version


@pytest.mark.parametrize("damage", ["spans of another chunk", "a span past its chunk"])
def test_sentence_files_that_do_not_fit_the_chunks_are_corrupt_even_with_a_matching_checksum(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder, damage: str
) -> None:
    from bot.index import file_sha256

    two_pages(knowledge)
    version = publish(settings, embedder, progress=False).version
    version_dir = settings.resolved_index_dir / VERSIONS / str(version)
    path = version_dir / "sentences.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    if damage == "spans of another chunk":
        records.reverse()
    else:
        records[0]["sentences"][-1][1] += 10_000
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    manifest = json.loads((version_dir / "manifest.json").read_text())
    manifest["records"]["sentences.jsonl"] = file_sha256(path)  # as if ingest had written it
    (version_dir / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(IndexCorrupt, match="damaged"):
        open_index(settings.resolved_index_dir)
    with pytest.raises(VerificationFailed, match="sentences do not fit"):
        verify_version(version_dir)  # what a publish or a rollback checks before serving
    assert read_current(settings.resolved_index_dir) == version_dir.name
