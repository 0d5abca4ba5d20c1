"""Vectors a publish takes from the served version instead of the embedding cache.

An unchanged chunk (same id: a hash of its page, position and text) keeps the vector the
served version stores for it in `vectors.npy`, and its sentences keep theirs from
`sentence_vectors.npy` (float16 there, and float16 again in the new version: the same bytes).
`read_manifest` checked both files against the manifest's hashes when the served version was
read. A one-page MedQuAD change looked all 21,000 texts up in the SQLite cache (0.3 s); now
only the changed page's texts are looked up, or embedded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.index import VECTORS
from bot.index.manifest import Manifest
from bot.ingest.cache import text_key
from bot.ingest.sentences import SpanRows
from bot.sentences import SENTENCE_VECTORS
from bot.types import Chunk


@dataclass(frozen=True)
class Known:
    """Text key -> float32 vector, for chunk texts and for sentence texts."""

    chunks: dict[str, np.ndarray] = field(default_factory=dict)
    sentences: dict[str, np.ndarray] = field(default_factory=dict)


def served_vectors(
    version_dir: Path,
    manifest: Manifest | None,
    model: str,
    chunks: Sequence[Chunk],
    span_rows: SpanRows,
) -> Known:
    """The served version's vectors for the chunks of `chunks` it holds, and for their
    sentences (`span_rows`: the served sentences, see `served_spans`); empty if the served
    version is of another model or lacks or cannot read the files (then the cache answers)."""
    if manifest is None or manifest.embedding_model != model or VECTORS not in manifest.records:
        return Known()
    wanted = {c.chunk_id: c for c in chunks}
    known = Known()
    with contextlib.suppress(OSError, ValueError, IndexError, TypeError):
        vectors = np.load(version_dir / VECTORS, allow_pickle=False)
        if vectors.shape != (len(manifest.chunk_ids), manifest.dimension):
            return Known()
        for row, cid in enumerate(manifest.chunk_ids):
            if (chunk := wanted.get(cid)) is not None:
                known.chunks[text_key(chunk.text)] = vectors[row]
        if not span_rows:
            return known
        stored = np.load(version_dir / SENTENCE_VECTORS, allow_pickle=False)
        if stored.ndim != 2 or stored.shape[1] != manifest.dimension:
            return known
        keys: dict[str, int] = {}
        for cid, triples in span_rows.items():
            if (chunk := wanted.get(cid)) is not None:
                for start, end, row in triples:
                    keys.setdefault(text_key(chunk.text[start:end]), row)
        rows = np.fromiter(keys.values(), dtype=np.intp, count=len(keys))
        known.sentences.update(zip(keys, stored[rows].astype(np.float32), strict=True))
    return known
