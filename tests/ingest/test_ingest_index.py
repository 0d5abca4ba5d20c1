"""Reading the published index: named errors for broken directories, and live reloading."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from bot.index import (
    CURRENT,
    VERSIONS,
    IndexCorrupt,
    IndexNotFound,
    IndexWatcher,
    open_index,
)
from bot.ingest import publish
from bot.settings import Settings
from tests.ingest.helpers import write_page
from tests.support.fakes import CountingEmbedder

TEXT = "Ketamine infusions are given in the clinic under supervision. " * 3


def published(settings: Settings, knowledge: Path, embedder: CountingEmbedder) -> str:
    write_page(knowledge, "a.md", "A", "# A", f"First. {TEXT}", "## B", f"Second. {TEXT}")
    report = publish(settings, embedder, progress=False)
    assert report.version
    return report.version


def test_missing_index_directory_is_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match=r"run `python ingest\.py`"):
        open_index(tmp_path / "nowhere")


def test_index_directory_without_current_is_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        open_index(tmp_path)


def test_current_naming_a_missing_version_is_corrupt(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    index_dir = settings.resolved_index_dir
    published(settings, knowledge, embedder)
    (index_dir / CURRENT).write_text("20990101T000000Z-0badc0de\n")
    with pytest.raises(IndexCorrupt, match="is missing"):
        open_index(index_dir)


@pytest.mark.parametrize("content", ["", "garbage\n", "../../etc\n", "\xff"])
def test_garbage_in_current_is_corrupt(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder, content: str
) -> None:
    index_dir = settings.resolved_index_dir
    published(settings, knowledge, embedder)
    (index_dir / CURRENT).write_text(content)
    with pytest.raises(IndexCorrupt):
        open_index(index_dir)


@pytest.mark.parametrize(
    "damage",
    [
        "garbage manifest",
        "manifest missing",
        "chroma deleted",
        "chroma file deleted",
        "chroma header garbled",
        "chunks cut",
        "chunks edited, same size",
        "sentences cut",
        "sentence vectors missing",
        "sentence vectors edited, same size",
    ],
)
def test_damaged_version_is_corrupt_and_the_next_ingest_publishes_a_sound_one(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder, damage: str
) -> None:
    index_dir = settings.resolved_index_dir
    version = published(settings, knowledge, embedder)
    vdir = index_dir / VERSIONS / version
    if damage == "garbage manifest":
        (vdir / "manifest.json").write_text("{not json")
    elif damage == "manifest missing":
        (vdir / "manifest.json").unlink()
    elif damage == "chroma deleted":
        shutil.rmtree(vdir / "chroma")
    elif damage == "chroma file deleted":
        (vdir / "chroma" / "chroma.sqlite3").unlink()
    elif damage == "chroma header garbled":
        with (vdir / "chroma" / "chroma.sqlite3").open("r+b") as f:
            f.write(b"\xa5" * 100)
    elif damage in ("chunks cut", "sentences cut"):
        path = vdir / ("chunks.jsonl" if damage == "chunks cut" else "sentences.jsonl")
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(lines[:-1]))
    elif damage == "sentence vectors missing":
        (vdir / "sentence_vectors.npy").unlink()
    elif damage == "sentence vectors edited, same size":  # a valid .npy: only a checksum notices
        data = bytearray((vdir / "sentence_vectors.npy").read_bytes())
        data[-1] ^= 0x40  # the last vector value changes
        (vdir / "sentence_vectors.npy").write_bytes(bytes(data))
    else:  # still valid JSON of the same size: only a checksum notices
        text = (vdir / "chunks.jsonl").read_text()
        (vdir / "chunks.jsonl").write_text(text.replace("Ketamine", "Ketamune"))
    with pytest.raises(IndexCorrupt):
        open_index(index_dir)

    report = publish(settings, embedder, progress=False)

    assert report.ok and report.new_version and report.version != version
    with open_index(index_dir) as index:
        assert len(index.chunks) == 2
    assert any("broken" in w for w in report.warnings)


def test_watcher_picks_up_a_new_version_without_restart(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    first = published(settings, knowledge, embedder)
    watcher = IndexWatcher(settings.resolved_index_dir)
    assert watcher.current().version == first
    assert watcher.current() is watcher.current()  # no reload while CURRENT is unchanged
    write_page(knowledge, "b.md", "B", f"Another page. {TEXT}")
    second = publish(settings, embedder, progress=False).version
    assert watcher.current().version == second
    assert "b" in watcher.current().pages
    watcher.close()


def test_watcher_keeps_serving_when_the_new_version_is_broken(
    settings: Settings,
    knowledge: Path,
    embedder: CountingEmbedder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = published(settings, knowledge, embedder)
    watcher = IndexWatcher(settings.resolved_index_dir)
    assert watcher.current().version == first
    (settings.resolved_index_dir / CURRENT).write_text("20990101T000000Z-0badc0de\n")
    with caplog.at_level("WARNING"):
        assert watcher.current().version == first
    assert "keeping index version" in caplog.text
    watcher.close()


def test_watcher_without_any_index_raises(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        IndexWatcher(tmp_path).current()


def test_watcher_is_safe_to_use_from_many_threads(
    settings: Settings, knowledge: Path, embedder: CountingEmbedder
) -> None:
    published(settings, knowledge, embedder)
    watcher = IndexWatcher(settings.resolved_index_dir)
    seen: list[str] = []
    errors: list[BaseException] = []
    vector = embedder.embed(["Ketamine infusions"])[0]

    def serve() -> None:
        try:
            for _ in range(20):
                index = watcher.current()
                index.dense_search(vector, k=2)
                seen.append(index.version)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=serve) for _ in range(4)]
    for t in threads:
        t.start()
    write_page(knowledge, "b.md", "B", f"Another page. {TEXT}")
    second = publish(settings, embedder, progress=False).version
    for t in threads:
        t.join()
    assert not errors
    assert watcher.current().version == second
    assert len(seen) == 80
    watcher.close()


@pytest.mark.parametrize(
    "text, reason",
    [
        (b"\xa6\xff not text", "unreadable"),
        (b"{not json", "unreadable"),
        (b"{}", "not a manifest"),
        (b'{"version": "v", "embedding_model": "m", "pages": {}, "chunk_ids": 3}', "chunk_ids"),
    ],
)
def test_a_manifest_that_is_not_one_is_refused_by_name(
    tmp_path: Path, text: bytes, reason: str
) -> None:
    from bot.index import IndexCorrupt, read_manifest

    (tmp_path / "manifest.json").write_bytes(text)
    with pytest.raises(IndexCorrupt, match=reason):
        read_manifest(tmp_path)
