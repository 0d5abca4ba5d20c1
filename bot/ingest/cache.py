"""The embedding cache: (embedding model name, sha256 of the text) -> float32 vector, in SQLite.

It lives beside the versions (`<index>/embeddings.sqlite3`) and is what makes ingest
incremental: a chunk whose text was embedded once by the same model is never embedded again.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.index import CACHE

if TYPE_CHECKING:
    from bot.embed import Embedder

EMBED_BLOCK = 256  # texts embedded between two cache commits (a killed run resumes from there)

SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_sha256)
) WITHOUT ROWID
"""


class CacheError(RuntimeError):
    """The cache file exists but is not a usable SQLite database."""


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class EmbeddingCache:
    """Open with `readonly=True` for dry runs: a missing file then reads as empty."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        try:
            if readonly:
                if path.exists():
                    self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            else:
                self._db = sqlite3.connect(path)
                self._db.execute(SCHEMA)
                self._db.commit()
            if self._db is not None:
                self._db.execute("SELECT count(*) FROM embeddings LIMIT 1").fetchone()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise CacheError(f"embedding cache {path} is unusable: {exc}") from exc

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among `keys` (text hashes)."""
        found: dict[str, np.ndarray] = {}
        if self._db is None:
            return found
        unique = sorted(set(keys))
        for i in range(0, len(unique), 500):
            batch = unique[i : i + 500]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                "SELECT text_sha256, vector FROM embeddings"
                f" WHERE model = ? AND text_sha256 IN ({marks})",
                (model, *batch),
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store vectors (replacing any for the same text) in one transaction."""
        if self._db is None:
            raise CacheError("the embedding cache was opened read-only")
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO embeddings (model, text_sha256, vector) VALUES (?, ?, ?)",
                ((model, key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items),
            )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def count_uncached(index_dir: Path, model: str, texts: Sequence[str], rebuild: bool) -> int:
    """How many distinct texts a publish would embed (dry run: the cache is only read)."""
    keys = {text_key(t) for t in texts}
    if rebuild:
        return len(keys)
    try:
        cache = EmbeddingCache(index_dir / CACHE, readonly=True)
    except CacheError:
        return len(keys)
    try:
        return len(keys - set(cache.get_many(model, list(keys))))
    finally:
        cache.close()


def open_for_writing(index_dir: Path) -> EmbeddingCache:
    """The cache for writing; an unusable file is moved aside (it only saves work)."""
    path = index_dir / CACHE
    try:
        return EmbeddingCache(path)
    except CacheError:
        path.rename(path.with_name(f"{CACHE}.broken-{int(time.time())}"))
        return EmbeddingCache(path)


def vectors_for(
    texts: Sequence[str],
    cache: EmbeddingCache,
    model: str,
    get_embedder: Callable[[], Embedder],
    rebuild: bool,
    progress: bool,
    unit: str = "chunk",
    known: Mapping[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (known or cached ones reused) and how many texts were embedded.

    `known` maps text keys to vectors taken from the served version: those texts are not
    looked up in the cache. Missing texts are embedded in blocks, each committed to the cache,
    so a killed run resumes where it stopped; `get_embedder` is called only if something is
    missing.
    """
    from tqdm import tqdm

    keys = [text_key(t) for t in texts]
    have: dict[str, np.ndarray] = {}
    if not rebuild:
        have = {k: known[k] for k in keys if k in known} if known else {}
        have.update(cache.get_many(model, [k for k in keys if k not in have]))
    todo: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in have:
            todo.setdefault(key, text)
    if todo:
        embedder = get_embedder()
        # Shortest first: a batch is padded to its longest text, so batches of alike lengths
        # waste no work (in page order, the 2,000-page benchmark encoded 1.3-3x slower).
        items = sorted(todo.items(), key=lambda item: len(item[1]))
        with tqdm(
            total=len(items), desc="embedding", unit=unit, file=sys.stderr, disable=not progress
        ) as bar:
            for i in range(0, len(items), EMBED_BLOCK):
                block = items[i : i + EMBED_BLOCK]
                vectors = embedder.embed([text for _, text in block], progress=bar.update)
                cache.put_many(model, zip([k for k, _ in block], vectors, strict=True))
                have.update(zip([k for k, _ in block], vectors, strict=True))
    dims = {v.shape[0] for v in have.values()}
    if len(dims) > 1:
        raise CacheError(
            f"the embedding cache holds vectors of several sizes for {model}: run with --rebuild"
        )
    if not keys:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.vstack([have[k] for k in keys]).astype(np.float32), len(todo)
