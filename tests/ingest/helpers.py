"""Helpers for the ingest tests: paths of the shipped page, page writers, index inspection."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.settings import PROJECT_ROOT

SHIPPED_PAGE = PROJECT_ROOT / "knowledge" / "ketamine-infusions-for-migraines.md"
SHARED_TXT = PROJECT_ROOT.parent / "shared" / "clinic-site" / "ketamine-infusions-for-migraines.txt"


def write_page(folder: Path, name: str, title: str, *paragraphs: str) -> Path:
    """A Markdown page with front matter and the given paragraphs ('## x' for headings)."""
    body = "\n\n".join(paragraphs)
    path = folder / name
    path.write_text(f"---\ntitle: {title}\nupdated: 2026-11-24\n---\n\n{body}\n", encoding="utf-8")
    return path


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and mtime: to check that nothing was written."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def strip_sentences(version_dir: Path) -> None:
    """Make a version look as one published before ingest stored sentence vectors: no sentence
    files, no manifest entry for them, manifest format 1."""
    import json

    manifest_path = version_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name in ("sentences.jsonl", "sentence_vectors.npy"):
        (version_dir / name).unlink()
        del manifest["records"][name]
    del manifest["sentences"]
    manifest["format"] = 1
    manifest_path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def chroma_ids(index_dir: Path, version: str | None = None) -> set[str]:
    """The chunk ids in a version's Chroma collection, read from a copy (opening Chroma writes
    to its files, and a published version must not change)."""
    from bot.index import CHROMA, VERSIONS, chroma_client, read_current
    from bot.index.chroma import copy_published

    version = version or read_current(index_dir)
    with tempfile.TemporaryDirectory() as tmp:
        copy_published(index_dir / VERSIONS / str(version) / CHROMA, Path(tmp))
        client = chroma_client(Path(tmp))
        try:
            return set(client.get_collection("clinic").get(include=[])["ids"])
        finally:
            client.close()
