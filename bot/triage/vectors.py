"""Sentence vectors of labelled messages for training and measuring the embedding layer.

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


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Sentence vectors of `embedding_text(t)` for each text, by the bundled retrieval encoder
    (sentence-transformers, build time only), cached in .cache/ by text hash: the exemplars
    are embedded once, not at every retraining or report."""
    from bot.embed import SentenceTransformerEmbedder

    prepared = [embedding_text(t) for t in texts]
    keys = [hashlib.sha256(t.encode()).hexdigest() for t in prepared]
    path = VECTOR_CACHE / f"{ENCODER}.npz"
    cached: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as stored:
            cached = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    missing = sorted({k: t for k, t in zip(keys, prepared, strict=True) if k not in cached}.items())
    if missing:
        embedded = SentenceTransformerEmbedder().embed([t for _, t in missing])
        cached.update(zip([k for k, _ in missing], embedded, strict=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
    return np.stack([cached[k] for k in keys]).astype(np.float32)
