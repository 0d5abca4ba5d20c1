"""Chunk sentences: one splitter for ingest (which embeds them) and answering (which quotes them).

Ingest stores every chunk's sentence spans and their vectors in the index version
(`SentenceTable`, files `sentences.jsonl` + `sentence_vectors.npy`), so answering scores
sentences without running the model or the splitter per question. Both sides cut sentences with
`sentence_spans`; `splitter_id()` names that code, and a version whose sentences were cut by
other code is not trusted for them (answering then splits and embeds at query time).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

SENTENCES = "sentences.jsonl"
SENTENCE_VECTORS = "sentence_vectors.npy"
# float16 halves memory and disk; answers measured identical to float32 (docs/BENCHMARKS.md).
STORED_DTYPE = np.float16

Span = tuple[int, int]


class SentenceTableError(ValueError):
    """Stored sentences do not fit the version's chunks (a damaged or mismatched version)."""


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd  # a kept sentence splitter; imported on first use (ingest no-op runs skip it)

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


@lru_cache(maxsize=20_000)
def sentence_spans(text: str) -> tuple[Span, ...]:
    """(start, end) of each sentence of `text`, surrounding white space excluded."""
    spans: list[Span] = []
    for span in _segmenter().segment(text):
        start, end = span.start, span.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return tuple(spans)


@lru_cache(maxsize=1)
def splitter_id() -> str:
    """pysbd's version and a hash of the splitting code above: stored spans made otherwise
    are not reused (the rest of this module may change without that)."""
    source = inspect.getsource(_segmenter) + inspect.getsource(sentence_spans)
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    return f"pysbd-{version('pysbd')}-{digest}"


@dataclass(frozen=True)
class SentenceTable:
    """Per chunk id, its sentences as (start, end, vector row); identical texts share a row."""

    spans: dict[str, tuple[tuple[int, int, int], ...]]
    vectors: np.ndarray  # (distinct sentence texts, dimension), STORED_DTYPE

    def vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        """The vectors at `rows` as float32 (what the scoring arithmetic expects)."""
        return self.vectors[np.asarray(rows, dtype=np.intp)].astype(np.float32)


def distinct_texts(
    texts: Sequence[str], spans: Sequence[Sequence[Span]]
) -> tuple[list[str], list[list[int]]]:
    """The distinct sentence texts in first-seen order, and each sentence's index into them."""
    order: dict[str, int] = {}
    rows = [
        [order.setdefault(text[s:e], len(order)) for s, e in chunk_spans]
        for text, chunk_spans in zip(texts, spans, strict=True)
    ]
    return list(order), rows


@dataclass(frozen=True)
class ChunkSentences:
    """What ingest stores for a version: per chunk (in chunk order) its sentence spans and the
    row of each one's vector, and the vectors of the distinct sentence texts."""

    spans: Sequence[Sequence[Span]]
    rows: Sequence[Sequence[int]]
    vectors: np.ndarray


def write_table(folder: Path, chunk_ids: Sequence[str], data: ChunkSentences) -> None:
    """Write `sentences.jsonl` (one line per chunk, in chunk order) and the vector matrix."""
    with (folder / SENTENCES).open("w", encoding="utf-8") as f:
        for cid, spans, rows in zip(chunk_ids, data.spans, data.rows, strict=True):
            triples = [[s, e, r] for (s, e), r in zip(spans, rows, strict=True)]
            f.write(json.dumps({"chunk_id": cid, "sentences": triples}) + "\n")
    with (folder / SENTENCE_VECTORS).open("wb") as f:
        np.save(f, np.asarray(data.vectors, dtype=STORED_DTYPE), allow_pickle=False)


def read_span_rows(folder: Path) -> dict[str, tuple[tuple[int, int, int], ...]]:
    """Chunk id -> (start, end, vector row) of each sentence, from `sentences.jsonl` (to reuse
    an unchanged chunk's spans and vectors)."""
    with (folder / SENTENCES).open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return {r["chunk_id"]: tuple((s, e, row) for s, e, row in r["sentences"]) for r in records}


def read_table(folder: Path, chunks: Sequence[tuple[str, int]], dimension: int) -> SentenceTable:
    """The stored table, checked against the version's (chunk id, text length) list.

    Raises SentenceTableError when the files do not fit the chunks: every chunk in order,
    spans inside its text, rows inside the matrix, vectors of the version's dimension.
    """
    try:
        with (folder / SENTENCES).open(encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
        vectors = np.load(folder / SENTENCE_VECTORS, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise SentenceTableError(f"unreadable sentence files ({exc})") from exc
    if vectors.ndim != 2 or (dimension and len(vectors) and vectors.shape[1] != dimension):
        raise SentenceTableError(f"sentence vectors of shape {vectors.shape}, not (n, {dimension})")
    listed = [r.get("chunk_id") if isinstance(r, dict) else None for r in records]
    if listed != [cid for cid, _ in chunks]:
        raise SentenceTableError(f"{SENTENCES} does not list the version's chunks")
    spans: dict[str, tuple[tuple[int, int, int], ...]] = {}
    for record, (cid, length) in zip(records, chunks, strict=True):
        try:
            triples = tuple((int(s), int(e), int(r)) for s, e, r in record["sentences"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SentenceTableError(f"{SENTENCES} is not a sentence list ({exc})") from exc
        if any(not (0 <= s < e <= length and 0 <= r < len(vectors)) for s, e, r in triples):
            raise SentenceTableError(f"{SENTENCES} has a sentence outside chunk {cid}")
        spans[cid] = triples
    return SentenceTable(spans, vectors)
