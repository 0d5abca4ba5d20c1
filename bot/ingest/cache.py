"""The embedding cache: (embedding model name, sha256 of the text) -> float32 vector, in SQLite.

It lives beside the versions (`<index>/embeddings.sqlite3`) and is what makes ingest
incremental: a chunk whose text was embedded once by the same model is never embedded again.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

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
