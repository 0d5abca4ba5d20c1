"""Ingest's side of chunk sentences: split them (reusing the served version's splits) and embed
them through the embedding cache, so answering never runs the model on page text.

Unchanged chunks keep their spans from the served version when it was split by the same code,
so a one-page change splits only that page; their vectors come from the cache.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.index.manifest import Manifest, SentencesEntry
from bot.ingest.cache import EmbeddingCache, vectors_for
from bot.sentences import (
    STORED_DTYPE,
    ChunkSentences,
    Span,
    distinct_texts,
    read_span_rows,
    sentence_spans,
    splitter_id,
)
from bot.types import Chunk

if TYPE_CHECKING:
    from bot.embed import Embedder


def stored_with_this_splitter(manifest: Manifest | None) -> bool:
    """Whether a version holds sentence vectors split by this code (else: publish anew)."""
    stored = manifest.sentences if manifest else None
    return stored is not None and stored.splitter == splitter_id()


SpanRows = Mapping[str, tuple[tuple[int, int, int], ...]]  # chunk id -> (start, end, row)


def served_spans(version_dir: Path, manifest: Manifest | None) -> SpanRows:
    """Chunk id -> (start, end, vector row) of its sentences in the served version, if split by
    this code; {} if unusable."""
    if not stored_with_this_splitter(manifest):
        return {}
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        return read_span_rows(version_dir)
    return {}  # unreadable: split again (it is only work)


def split_chunks(chunks: Sequence[Chunk], known: SpanRows) -> list[tuple[Span, ...]]:
    """Each chunk's sentence spans: known ones reused (same id, same text), others split now."""
    return [
        tuple((s, e) for s, e, _ in known[c.chunk_id])
        if c.chunk_id in known
        else sentence_spans(c.text)
        for c in chunks
    ]


def texts_of(chunks: Sequence[Chunk], spans: Sequence[Sequence[Span]]) -> list[str]:
    """Every sentence text, chunk by chunk."""
    return [c.text[s:e] for c, chunk in zip(chunks, spans, strict=True) for s, e in chunk]


def embed_sentences(
    chunks: Sequence[Chunk],
    spans: Sequence[Sequence[Span]],
    cache: EmbeddingCache,
    model: str,
    get_embedder: Callable[[], Embedder],
    rebuild: bool,
    progress: bool,
    known: Mapping[str, np.ndarray] | None = None,
) -> tuple[ChunkSentences, int]:
    """The version's sentence table and how many sentence texts were embedded (not cached);
    `known` (text key -> vector) is used before the cache (see `bot.ingest.reuse`)."""
    texts, rows = distinct_texts([c.text for c in chunks], spans)
    vectors, embedded = vectors_for(
        texts, cache, model, get_embedder, rebuild, progress, unit="sentence", known=known
    )
    return ChunkSentences(spans, rows, vectors), embedded


def manifest_entry(data: ChunkSentences) -> SentencesEntry:
    """What the manifest says about the stored sentences."""
    return SentencesEntry(
        splitter=splitter_id(),
        sentences=sum(len(s) for s in data.spans),
        distinct=len(data.vectors),
        dtype=np.dtype(STORED_DTYPE).name,
    )
