"""Fill a new version's Chroma directory: from scratch, or as a copy of the served version's
plus the change (O(change): a one-page edit no longer rebuilds the whole HNSW graph).

Chroma holds ids and vectors only. The records the bot quotes are `pages.jsonl` and
`chunks.jsonl` (checksummed); documents and metadata in Chroma would be a second, unchecked copy
that a delta would have to keep in step (offsets and titles of kept chunks change with their
page), for a third more build time.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.index.manifest import Manifest
from bot.index.read import COLLECTION, chroma_client
from bot.types import Chunk

# Denser than Chroma's default graph (16 neighbours, ef 100): with the same boilerplate sentence
# on many pages (MedQuAD has one on 118), the default missed 5 of 4,195 chunks queried by their
# own vectors; these settings missed none, for about 1.5x build time.
HNSW = {"space": "cosine", "ef_construction": 200, "max_neighbors": 32, "ef_search": 200}
# Deleted HNSW elements stay in the graph (marked): after this much change since the last
# build from scratch, relative to the version's size, the next version is built from scratch.
MAX_CHURN = 0.25
SQLITE = "chroma.sqlite3"


def build_new(folder: Path, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
    """A fresh collection in the empty or missing directory `folder`."""
    client = chroma_client(folder)
    try:
        collection = client.create_collection(
            COLLECTION, configuration={"hnsw": HNSW}, embedding_function=None
        )
        _add(collection, [c.chunk_id for c in chunks], vectors, client.get_max_batch_size())
    finally:
        client.close()


def copy_published(source: Path, target: Path) -> None:
    """Copy a published Chroma directory: its SQLite file through SQLite's backup API (a
    consistent snapshot even while an app reads it), the HNSW files as they are."""
    for path in sorted(source.rglob("*")):
        dest = target / path.relative_to(source)
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif path.name == SQLITE:
            dest.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(path, dest)
        elif not path.name.startswith(SQLITE):  # -wal/-journal: the backup already holds them
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


def _sqlite_copy(source: Path, dest: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def apply_change(folder: Path, chunks: Sequence[Chunk], vectors: np.ndarray) -> list[str]:
    """Make the copied collection in `folder` hold exactly `chunks`; returns the ids added.

    What to delete and add is read from Chroma itself, not from the previous manifest. A kept
    id keeps its vector: a chunk id is a hash of its page, position and text.
    """
    client = chroma_client(folder)
    try:
        collection = client.get_collection(COLLECTION, embedding_function=None)
        step = client.get_max_batch_size()
        present = set(collection.get(include=[])["ids"])
        wanted = {c.chunk_id: i for i, c in enumerate(chunks)}
        gone = sorted(present - wanted.keys())
        for i in range(0, len(gone), step):
            collection.delete(ids=gone[i : i + step])
        new = [i for cid, i in wanted.items() if cid not in present]
        added = [chunks[i].chunk_id for i in new]
        _add(collection, added, vectors[new], step)
        return added
    finally:
        client.close()


def _add(collection: Any, ids: list[str], vectors: np.ndarray, step: int) -> None:
    for i in range(0, len(ids), step):
        collection.add(ids=ids[i : i + step], embeddings=vectors[i : i + step])


def churn_after(base_manifest: Manifest | None, chunk_ids: Sequence[str]) -> int | None:
    """Chunks added + removed since the base's last build from scratch, or None when the next
    version must be built from scratch (no base, other HNSW settings, or too much change)."""
    if base_manifest is None:
        return None
    build = base_manifest.chroma_build
    if build is None or build.hnsw != HNSW:
        return None  # published before this was recorded, or with other graph settings
    old, new = set(base_manifest.chunk_ids), set(chunk_ids)
    churn = build.churn + len(old ^ new)
    return churn if churn <= MAX_CHURN * len(new) else None
