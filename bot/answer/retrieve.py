"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from rank_bm25 import BM25Okapi

from bot.answer.acronyms import AcronymExpander
from bot.answer.spelling import SpellFixer
from bot.answer.text import content_terms, expand_query_terms, expand_query_text, vocabulary
from bot.embed import Embedder
from bot.sentences import SentenceTable
from bot.types import Chunk

# Weighted reciprocal-rank fusion, chosen by 5-fold CV on MedQuAD (1,009 pages, 372 questions
# and a consumer-style rewrite of each; bench/bench_retrieval.py): every fold chose a BM25
# weight of 0.4-0.5 and k = 10 (a sharper rank discount than the classic 60).
RRF_K = 10
DENSE_DEPTH = 30  # candidates taken from each ranking before fusion
LEXICAL_RRF_WEIGHT = 0.5


class SearchableIndex(Protocol):
    """What retrieval needs of a served index version (bot.index.ServingIndex)."""

    version: str
    chunks: list[Chunk]
    sentences: SentenceTable | None  # sentence spans and vectors made at ingest, if any

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...


@dataclass(frozen=True)
class Hit:
    """One fused candidate with the evidence behind its rank."""

    chunk: Chunk
    fused: float  # reciprocal-rank-fusion score
    dense: float  # cosine similarity of question and chunk (0 if not in the dense list)
    lexical: float  # BM25 score (0 if no shared term)


class Retriever:
    """Built once per index version; `search` is cheap and thread-safe (read-only state)."""

    def __init__(self, index: SearchableIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self.chunks = list(index.chunks)
        self._by_id = {c.chunk_id: c for c in self.chunks}
        # The section heading and page title help BM25 ("What is TMS?" under a TMS heading).
        docs = [content_terms(f"{c.title} {c.section} {c.text}") for c in self.chunks]
        self._bm25 = BM25Okapi(docs) if docs else None
        self.vocabulary = vocabulary(
            " ".join(f"{c.title} {c.section} {c.text}" for c in self.chunks)
        )
        self.spelling = SpellFixer(f"{c.title} {c.section} {c.text}" for c in self.chunks)
        self.acronyms = AcronymExpander(f"{c.title}. {c.section}. {c.text}" for c in self.chunks)

    def normalise_query(self, query: str) -> str:
        """Misspelt words corrected towards the pages' words, then acronyms the pages never
        write spelt out in their words ("tacs" -> "trigeminal autonomic cephalalgias")."""
        return self.acronyms.expand(self.spelling.fix(query))

    def idf(self, term: str) -> float:
        """How rare a term is across chunks (unknown terms count as the rarest)."""
        if self._bm25 is None:
            return 1.0
        value = self._bm25.idf.get(term)
        if value is None:
            return max(self._bm25.idf.values(), default=1.0)
        return max(value, 0.05)

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([expand_query_text(query)])[0]

    def rankings(
        self, query: str, query_vector: np.ndarray
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """The dense (cosine) and lexical (BM25) candidates, best first: (chunk id, score)."""
        dense = self.index.dense_search(query_vector, min(DENSE_DEPTH, len(self.chunks)))
        lexical: list[tuple[str, float]] = []
        terms = expand_query_terms(query)
        if self._bm25 is not None and terms:
            scores = self._bm25.get_scores(terms)
            order = np.argsort(-scores)[:DENSE_DEPTH]
            lexical = [(self.chunks[i].chunk_id, float(scores[i])) for i in order if scores[i] > 0]
        return dense, lexical

    def search(self, query: str, k: int = 8, query_vector: np.ndarray | None = None) -> list[Hit]:
        """The k best chunks for the query, fused from both rankings."""
        if not self.chunks:
            return []
        vector = self.embed_query(query) if query_vector is None else query_vector
        dense, lexical = self.rankings(query, vector)
        fused = fuse(dense, lexical)
        dense_score, lexical_score = dict(dense), dict(lexical)
        return [
            Hit(
                chunk=self._by_id[cid],
                fused=score,
                dense=float(dense_score.get(cid, 0.0)),
                lexical=lexical_score.get(cid, 0.0),
            )
            for cid, score in fused[:k]
            if cid in self._by_id
        ]


def fuse(
    dense: Sequence[tuple[str, float]],
    lexical: Sequence[tuple[str, float]],
    lexical_weight: float = LEXICAL_RRF_WEIGHT,
    rrf_k: int = RRF_K,
) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion of the two lists; ties go to the closer dense match."""
    fused: dict[str, float] = {}
    for ranking, weight in ((dense, 1.0), (lexical, lexical_weight)):
        for rank, (cid, _) in enumerate(ranking):
            fused[cid] = fused.get(cid, 0.0) + weight / (rrf_k + rank + 1)
    dense_score = dict(dense)
    order = sorted(fused, key=lambda cid: (-fused[cid], -dense_score.get(cid, 0.0)))
    return [(cid, fused[cid]) for cid in order]


def diversify(hits: Sequence[Hit], per_page: int = 3) -> list[Hit]:
    """Reorder so no page takes more than `per_page` of the top places; nothing is dropped.

    On a multi-page site this lets other pages get a say; on a one-page site it changes nothing.
    """
    seen: dict[str, int] = {}
    first: list[Hit] = []
    later: list[Hit] = []
    for hit in hits:
        n = seen.get(hit.chunk.source, 0)
        (first if n < per_page else later).append(hit)
        seen[hit.chunk.source] = n + 1
    return first + later
