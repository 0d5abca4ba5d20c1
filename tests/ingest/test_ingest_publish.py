"""Publishing versions: first run, no-op, incremental edits, the failed-page rule, rollback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.index import VERSIONS, open_index, read_current
from bot.index.publish import STAGING
from bot.ingest import RollbackError, plan, publish, rollback, verify_version
from bot.settings import Settings
from tests.ingest import helpers
from tests.ingest.helpers import SHIPPED_PAGE, tree, write_page
from tests.support.fakes import CountingEmbedder, ExplodingEmbedder

LONG = "This sentence pads the paragraph so that it stands alone as its own chunk. " * 6


def three_pages(knowledge: Path) -> None:
    write_page(
        knowledge, "alpha.md", "Alpha", "# Alpha", f"Alpha one. {LONG}", f"Alpha two. {LONG}"
    )
    write_page(knowledge, "beta.md", "Beta", "# Beta", f"Beta one. {LONG}", f"Beta two. {LONG}")
    write_page(knowledge, "gamma.md", "Gamma", "# Gamma", f"Gamma one. {LONG}")


def chroma_ids(settings: Settings) -> set[str]:
    return helpers.chroma_ids(settings.resolved_index_dir)


def test_first_publish_serves_a_complete_verified_version(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    report = publish(settings, embedder, progress=False)
    assert report.ok and report.new_version
    assert report.pages_added == ("alpha", "beta", "gamma")
    assert report.chunks_added == report.chunk_count == report.chunks_embedded == 5
    index_dir = settings.resolved_index_dir
    assert read_current(index_dir) == report.version
    verify_version(index_dir / VERSIONS / str(report.version))
    with open_index(index_dir) as index:
        assert index.version == report.version
        assert set(index.pages) == {"alpha", "beta", "gamma"}
        assert [c.source for c in index.chunks] == ["alpha", "alpha", "beta", "beta", "gamma"]
        assert index.embedding_model == embedder.name
        chunk = index.chunks[2]
        hits = index.dense_search(embedder.embed([chunk.text])[0], k=3)
        assert hits[0][0] == chunk.chunk_id and hits[0][1] == pytest.approx(1.0, abs=1e-4)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    manifest = json.loads(
        (index_dir / VERSIONS / str(report.version) / "manifest.json").read_text()
    )
    assert manifest["parent"] is None and manifest["chunk_ids"] == [
        c.chunk_id for c in index.chunks
    ]


def test_rerun_without_changes_makes_no_version_and_embeds_nothing(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    again = publish(settings, ExplodingEmbedder(), progress=False)
    assert not again.new_version and again.version == first.version
    assert again.pages_unchanged == ("alpha", "beta", "gamma") and again.chunks_kept == 5
    assert len(list((settings.resolved_index_dir / VERSIONS).iterdir())) == 1


def test_editing_deleting_and_adding_pages_changes_only_their_chunks(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    before = chroma_ids(settings)
    with open_index(settings.resolved_index_dir) as index:
        beta_ids = {c.chunk_id for c in index.chunks if c.source == "beta"}
        gamma_ids = {c.chunk_id for c in index.chunks if c.source == "gamma"}
        alpha_two = next(c.chunk_id for c in index.chunks if c.text.startswith("Alpha two"))
    write_page(
        knowledge, "alpha.md", "Alpha", "# Alpha", f"Alpha one. {LONG}", f"Alpha TWO edited. {LONG}"
    )
    (knowledge / "gamma.md").unlink()
    write_page(knowledge, "delta.md", "Delta", "# Delta", f"Delta one. {LONG}")
    embedder.texts.clear()

    report = publish(settings, embedder, progress=False)

    assert (report.pages_added, report.pages_changed, report.pages_removed) == (
        ("delta",),
        ("alpha",),
        ("gamma",),
    )
    assert report.pages_unchanged == ("beta",)
    assert (report.chunks_added, report.chunks_removed, report.chunks_kept) == (2, 2, 3)
    # Each new chunk, and its one new sentence (the padding sentence was embedded before).
    assert sorted(t[:9] for t in embedder.texts) == ["Alpha TWO"] * 2 + ["Delta one"] * 2
    assert (report.chunks_embedded, report.sentences_embedded) == (2, 2)
    after = chroma_ids(settings)
    assert after - before == {c for c in after if c not in before} and len(after - before) == 2
    assert before - after == gamma_ids | {alpha_two}
    assert beta_ids <= after
    with open_index(settings.resolved_index_dir) as index:
        assert index.manifest.parent == first.version
        assert "gamma" not in index.pages and "delta" in index.pages


def test_changing_only_the_title_keeps_chunk_ids_and_embeds_nothing(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    publish(settings, embedder, progress=False)
    write_page(knowledge, "gamma.md", "Gamma renamed", "# Gamma", f"Gamma one. {LONG}")
    report = publish(settings, ExplodingEmbedder(), progress=False)
    assert report.new_version and report.pages_changed == ("gamma",)
    assert (report.chunks_added, report.chunks_removed) == (0, 0)
    with open_index(settings.resolved_index_dir) as index:
        assert index.pages["gamma"].title == "Gamma renamed"
        assert {c.title for c in index.chunks if c.source == "gamma"} == {"Gamma renamed"}


def test_a_bad_page_stops_the_publish_and_leaves_the_index_as_it_was(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    before = tree(settings.resolved_index_dir)
    write_page(knowledge, "alpha.md", "Alpha", "# Alpha", f"Alpha edited. {LONG}")
    (knowledge / "beta.md").write_bytes(b"\xff\xfe not utf-8")

    report = publish(settings, embedder, progress=False)

    assert report.stopped and not report.ok and not report.new_version
    assert [str(b) for b in report.bad_files] == [
        f"{knowledge / 'beta.md'}: " + report.bad_files[0].reason
    ]
    assert report.version == first.version
    assert read_current(settings.resolved_index_dir) == first.version
    after = tree(settings.resolved_index_dir)
    assert {k: v for k, v in after.items() if k != ".lock"} == {
        k: v for k, v in before.items() if k != ".lock"
    }


def test_keep_going_publishes_good_pages_and_a_failed_page_keeps_its_live_chunks(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    publish(settings, embedder, progress=False)
    with open_index(settings.resolved_index_dir) as index:
        beta_chunks = [c for c in index.chunks if c.source == "beta"]
    write_page(knowledge, "alpha.md", "Alpha", "# Alpha", f"Alpha edited. {LONG}")
    (knowledge / "beta.md").write_bytes(b"\x00\x01binary")

    report = publish(settings, embedder, progress=False, keep_going=True)

    assert report.new_version and not report.ok
    assert report.pages_kept_failed == ("beta",) and report.pages_removed == ()
    with open_index(settings.resolved_index_dir) as index:
        assert [c for c in index.chunks if c.source == "beta"] == beta_chunks
        assert index.pages["beta"].title == "Beta"
        assert any(c.text.startswith("Alpha edited") for c in index.chunks)
        assert {c.chunk_id for c in beta_chunks} <= chroma_ids(settings)


def test_rollback_serves_the_parent_and_errors_when_there_is_none(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    with pytest.raises(RollbackError, match="no parent"):
        rollback(settings)
    (knowledge / "gamma.md").unlink()
    second = publish(settings, embedder, progress=False)
    assert rollback(settings) == first.version
    with open_index(settings.resolved_index_dir) as index:
        assert index.version == first.version and "gamma" in index.pages
    assert (settings.resolved_index_dir / VERSIONS / str(second.version)).is_dir()
    # Publishing again after a rollback republishes the knowledge as it is now.
    again = publish(settings, embedder, progress=False)
    assert again.new_version and again.pages_removed == ("gamma",)


def test_rollback_refuses_a_parent_that_is_gone(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    (knowledge / "gamma.md").unlink()
    publish(settings, embedder, progress=False)
    shutil.rmtree(settings.resolved_index_dir / VERSIONS / str(first.version))
    with pytest.raises(RollbackError, match="no longer kept"):
        rollback(settings)


def test_only_keep_versions_are_kept_and_leftover_staging_is_removed(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    settings = settings.model_copy(update={"keep_versions": 2})
    versions = []
    for i in range(4):
        write_page(knowledge, "p.md", "P", f"Version {i}. {LONG}")
        versions.append(publish(settings, embedder, progress=False).version)
    index_dir = settings.resolved_index_dir
    (index_dir / f"{STAGING}20000101T000000Z-deadbeef").mkdir()
    (index_dir / f"{STAGING}20000101T000000Z-deadbeef" / "junk").write_text("x")
    report = publish(settings, embedder, progress=False)  # no change: still cleans up
    assert not report.new_version
    assert sorted(p.name for p in (index_dir / VERSIONS).iterdir()) == versions[-2:]
    assert not list(index_dir.glob(f"{STAGING}*"))


def test_rebuild_re_embeds_everything_into_a_new_version(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    embedder.texts.clear()
    report = publish(settings, embedder, progress=False, rebuild=True)
    assert report.new_version and report.version != first.version
    # 5 chunks and 6 distinct sentences (one padding sentence is on every chunk)
    assert len(embedder.texts) == 5 + 6
    assert (report.chunks_embedded, report.sentences_embedded) == (5, 6)


def test_a_new_embedding_model_re_embeds_everything(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    publish(settings, embedder, progress=False)
    other = CountingEmbedder()
    other.name = "another-model"
    report = publish(settings, other, progress=False)
    assert report.new_version and len(other.texts) == 5 + 6  # chunks and distinct sentences
    with open_index(settings.resolved_index_dir) as index:
        assert index.embedding_model == "another-model"


def test_dry_run_reports_the_diff_and_writes_nothing(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    report = plan(settings, embedder)
    assert report.new_version and report.version is None and report.chunks_embedded == 5
    assert not settings.resolved_index_dir.exists()

    publish(settings, embedder, progress=False)
    before = tree(settings.resolved_index_dir)
    write_page(knowledge, "delta.md", "Delta", f"Delta. {LONG}")
    (knowledge / "gamma.md").unlink()
    report = plan(settings, ExplodingEmbedder())
    assert (report.pages_added, report.pages_removed) == (("delta",), ("gamma",))
    assert report.chunks_embedded == 1 and report.dry_run
    assert tree(settings.resolved_index_dir) == before


def test_no_op_run_loads_neither_chroma_nor_the_model(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    shutil.copy(SHIPPED_PAGE, knowledge)
    publish(settings, embedder, progress=False)  # the CLI's --hashing-embedder is the same model
    code = (
        "import sys, time; t = time.process_time(); import ingest; "
        f"rc = ingest.main(['--knowledge', {str(knowledge)!r}, '--index', "
        f"{str(settings.resolved_index_dir)!r}, '--hashing-embedder']); "
        "print(rc, 'chromadb' in sys.modules, 'sentence_transformers' in sys.modules, "
        "time.process_time() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert "no change, serving" in "\n".join(out)
    rc, chroma_loaded, model_loaded, seconds = out[-2].split()
    assert (rc, chroma_loaded, model_loaded) == ("0", "False", "False")
    assert float(seconds) < 1.0  # CPU time: steady even on a busy machine


def test_chunks_embedded_by_a_killed_run_are_not_embedded_again(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    publish_module = importlib.import_module("bot.index.publish")

    three_pages(knowledge)

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(publish_module, "verify_version", crash)
    with pytest.raises(KeyboardInterrupt):
        publish(settings, embedder, progress=False)
    monkeypatch.undo()
    assert read_current(settings.resolved_index_dir) is None
    assert not list(settings.resolved_index_dir.glob(f"{STAGING}*"))  # removed on the way out
    report = publish(settings, ExplodingEmbedder(), progress=False)
    assert report.new_version and report.chunks_embedded == 0


def test_dense_search_rejects_a_vector_of_the_wrong_size(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    three_pages(knowledge)
    publish(settings, embedder, progress=False)
    with (
        open_index(settings.resolved_index_dir) as index,
        pytest.raises(ValueError, match="dimensions"),
    ):
        index.dense_search(np.ones(3, dtype=np.float32), k=2)


def test_verification_catches_a_version_with_a_chunk_missing_from_chroma(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder, tmp_path: Path
) -> None:
    from bot.index import chroma_client
    from bot.ingest import VerificationFailed

    three_pages(knowledge)
    report = publish(settings, embedder, progress=False)
    copy = tmp_path / "copy"
    shutil.copytree(settings.resolved_index_dir / VERSIONS / str(report.version), copy)
    client = chroma_client(copy / "chroma")
    collection = client.get_collection("clinic", embedding_function=None)
    victim = collection.get(include=["embeddings"], limit=1)
    collection.delete(ids=victim["ids"])
    client.close()
    with pytest.raises(VerificationFailed, match=r"4 (vectors|rows), manifest 5"):
        verify_version(copy)

    client = chroma_client(copy / "chroma")
    client.get_collection("clinic", embedding_function=None).add(
        ids=["not-a-chunk"], embeddings=victim["embeddings"]
    )
    client.close()
    with pytest.raises(VerificationFailed, match="1 chunks missing"):
        verify_version(copy)


def test_a_version_that_fails_verification_is_never_served(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from bot.ingest import VerificationFailed

    publish_module = importlib.import_module("bot.index.publish")
    three_pages(knowledge)
    first = publish(settings, embedder, progress=False)
    (knowledge / "gamma.md").unlink()

    def fail(version_dir: Path, *args: object, **kwargs: object) -> None:
        raise VerificationFailed(f"{version_dir}: probe failed")

    monkeypatch.setattr(publish_module, "verify_version", fail)
    with pytest.raises(VerificationFailed):
        publish(settings, embedder, progress=False)
    index_dir = settings.resolved_index_dir
    assert read_current(index_dir) == first.version
    assert [p.name for p in (index_dir / VERSIONS).iterdir()] == [first.version]
    assert not list(index_dir.glob(f"{STAGING}*"))


class Killed(BaseException):
    """Stands for SIGKILL at one exact moment: nothing after it runs."""


def _kill_between_rename_and_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    publish_module = importlib.import_module("bot.index.publish")
    real = publish_module.write_current

    def killed_once(index_dir: Path, version: str) -> None:
        monkeypatch.setattr(publish_module, "write_current", real)
        raise Killed

    monkeypatch.setattr(publish_module, "write_current", killed_once)


@pytest.fixture
def killed_third(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, list[str | None], str]:
    """With two versions kept: two published versions, then a third killed after its rename:
    (the settings, the versions, the orphan)."""
    settings = settings.model_copy(update={"keep_versions": 2})
    versions = []
    for i in range(2):
        write_page(knowledge, "p.md", "P", f"Version {i}. {LONG}")
        versions.append(publish(settings, embedder, progress=False).version)
    write_page(knowledge, "p.md", "P", f"Version 2. {LONG}")
    _kill_between_rename_and_switch(monkeypatch)
    with pytest.raises(Killed):
        publish(settings, embedder, progress=False)
    index_dir = settings.resolved_index_dir
    (orphan,) = {p.name for p in (index_dir / VERSIONS).iterdir()} - set(versions)
    return settings, versions, orphan


def test_a_version_left_unpublished_by_a_killed_run_is_published_by_the_next_run(
    killed_third: tuple[Settings, list[str | None], str], embedder: CountingEmbedder
) -> None:
    settings, versions, orphan = killed_third
    index_dir = settings.resolved_index_dir
    assert read_current(index_dir) == versions[-1]
    embedded_before = len(embedder.texts)

    report = publish(settings, embedder, progress=False)

    assert read_current(index_dir) == orphan == report.version
    assert not report.new_version and len(embedder.texts) == embedded_before  # nothing rebuilt
    assert any(orphan in w and "published it" in w for w in report.warnings)
    # the retention slots hold the served version and its parent: no orphan takes one
    assert sorted(p.name for p in (index_dir / VERSIONS).iterdir()) == sorted(
        [versions[-1], orphan]
    )
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".publishing-")]


def test_an_interrupted_version_that_no_longer_verifies_is_removed_and_never_counted(
    killed_third: tuple[Settings, list[str | None], str],
    knowledge: Path,
    embedder: CountingEmbedder,
) -> None:
    settings, versions, orphan = killed_third
    index_dir = settings.resolved_index_dir
    shutil.rmtree(index_dir / VERSIONS / orphan / "chroma")  # damaged since

    # retention alone never counts it (nor deletes it: the next ingest decides)
    from bot.index.publish import cleanup

    assert cleanup(index_dir, keep=2) == []
    assert sorted(p.name for p in (index_dir / VERSIONS).iterdir()) == sorted([*versions, orphan])

    write_page(knowledge, "p.md", "P", f"Version 3. {LONG}")
    report = publish(settings, embedder, progress=False)

    assert any(orphan in w and "removed it" in w for w in report.warnings)
    assert read_current(index_dir) == report.version
    kept = sorted(p.name for p in (index_dir / VERSIONS).iterdir())
    assert kept == sorted([versions[-1], report.version])
