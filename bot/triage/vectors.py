"""Sentence and token vectors of labelled messages for training and measuring the embedding layer.

Build and measurement time only (`make triage-model`, `make triage-report`, `python -m bot.eval
safety`, the benchmark): the bundled retrieval encoder through sentence-transformers, the vector
of `embedding.embedding_text(message)` as the pipeline computes it, cached in .cache/ by text
hash so the exemplars are embedded once, not at every retraining or report. Serving never
imports this module (the pipeline passes the vector retrieval uses).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from bot.embed import DEFAULT_MODEL_NAME
from bot.settings import PROJECT_ROOT
from bot.triage.embedding import embedding_text

ENCODER = DEFAULT_MODEL_NAME  # the retrieval encoder; the embedding layer reads its vectors
VECTOR_CACHE = PROJECT_ROOT / ".cache" / "triage-vectors"


def _to_embed(texts: Sequence[str], cached: dict) -> tuple[list[str], list[tuple[str, str]]]:
    """Each text's cache key (the hash of its `embedding_text`), and the (key, prepared text)
    pairs the cache lacks, in key order."""
    prepared = [embedding_text(t) for t in texts]
    keys = [hashlib.sha256(t.encode()).hexdigest() for t in prepared]
    missing = sorted({k: t for k, t in zip(keys, prepared, strict=True) if k not in cached}.items())
    return keys, missing


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Sentence vectors of `embedding_text(t)` for each text, by the bundled retrieval encoder
    (sentence-transformers, build time only), cached in .cache/ by text hash: the exemplars
    are embedded once, not at every retraining or report."""
    from bot.embed import SentenceTransformerEmbedder

    path = VECTOR_CACHE / f"{ENCODER}.npz"
    cached: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as stored:
            cached = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    keys, missing = _to_embed(texts, cached)
    if missing:
        embedded = SentenceTransformerEmbedder().embed([t for _, t in missing])
        cached.update(zip([k for k, _ in missing], embedded, strict=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
    return np.stack([cached[k] for k in keys]).astype(np.float32)


def token_states(texts: Sequence[str]) -> list[np.ndarray]:
    """The bundled retrieval encoder's last-layer token vectors (tokens, dimension) of
    `embedding_text(t)` for each text: what the pipeline passes to triage (build and measurement
    time, sentence-transformers), cached in .cache/ by text hash, in float16."""
    path = VECTOR_CACHE / f"{ENCODER}-tokens.npz"
    cached: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as stored:
            flat, offsets = stored["flat"], stored["offsets"]
            for i, key in enumerate(stored["keys"].tolist()):
                cached[key] = flat[offsets[i] : offsets[i + 1]]
    keys, missing = _to_embed(texts, cached)
    if missing:
        from bot.embed import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder()
        for key, tokens in zip(
            [k for k, _ in missing], embedder.embed_tokens([t for _, t in missing]), strict=True
        ):
            cached[key] = tokens.astype(np.float16)
        order = list(cached)
        offsets = np.concatenate([[0], np.cumsum([len(cached[k]) for k in order])])
        path.parent.mkdir(parents=True, exist_ok=True)
        flat = np.concatenate([cached[k] for k in order])
        np.savez(path, keys=np.array(order), flat=flat, offsets=offsets)
    return [cached[k].astype(np.float32) for k in keys]
