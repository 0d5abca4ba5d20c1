"""Open a published version for reading: CURRENT, the manifest's file checks, the records,
vectors and query encoder; `IndexWatcher` follows CURRENT so a running app serves a newly
published version without a restart.

Nothing here imports chromadb, torch or onnxruntime at import time: the ingest no-op path reads
manifests alone and must stay fast.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.index import manifest as manifest_module
from bot.index.manifest import EncoderEntry, Manifest
from bot.types import Chunk, Page

if TYPE_CHECKING:
    import numpy as np
    from chromadb.api import ClientAPI

    from bot.embed import Embedder
    from bot.sentences import SentenceTable

log = logging.getLogger(__name__)

__all__ = [
    "CACHE",
    "CHROMA",
    "CHUNKS",
    "COLLECTION",
    "CURRENT",
    "ENCODER",
    "HASHES",
    "IDENTITIES",
    "PAGES",
    "VECTORS",
    "VERSIONS",
    "VERSION_ID",
    "CurrentEncoder",
    "IndexCorrupt",
    "IndexLoadError",
    "IndexNotFound",
    "IndexWatcher",
    "ServingIndex",
    "chroma_client",
    "combined_hash",
    "encoder_problem",
    "file_identity",
    "file_sha256",
    "kept_versions",
    "open_index",
    "page_from_json",
    "read_current",
    "read_manifest",
    "read_page_record",
    "read_records",
]

CURRENT = "CURRENT"
VERSIONS = "versions"
CACHE = "embeddings.sqlite3"
PAGES = "pages.jsonl"
CHUNKS = "chunks.jsonl"
CHROMA = "chroma"
VECTORS = "vectors.npy"
ENCODER = "encoder"
HASHES = "files.json"  # in a cached encoder: its files' sha256, computed once at export
# In a cached encoder, hard-linked into versions with it: each file's identity when it was
# hashed (see `file_identity`), so checking a linked encoder does not read its 90 MB again.
IDENTITIES = "identities.json"
COLLECTION = "clinic"
VERSION_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")


class IndexLoadError(RuntimeError):
    """The published index cannot be served; the message says what to do."""


class IndexNotFound(IndexLoadError):
    """Nothing has been published at this index directory yet."""


class IndexCorrupt(IndexLoadError):
    """CURRENT, a manifest, or a version's files are missing or unreadable."""


def read_current(index_dir: Path) -> str | None:
    """The served version id, or None when nothing was ever published."""
    try:
        version = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"cannot read {index_dir / CURRENT}: {exc}") from exc
    if not VERSION_ID.match(version):
        raise IndexCorrupt(
            f"{index_dir / CURRENT} does not hold a version id ({version[:40]!r}); "
            "run `python ingest.py` to publish a fresh version"
        )
    return version


def read_manifest(version_dir: Path) -> Manifest:
    """The version's manifest, validated, with its file list checked (cheap: no Chroma)."""
    try:
        manifest = manifest_module.load(version_dir)
    except manifest_module.ManifestError as exc:
        raise IndexCorrupt(str(exc)) from None
    # Our record files never change after publishing (the bot quotes them: check every byte);
    # Chroma's files may (it writes on open), so only their presence is checked.
    problems = [
        f"{name} {problem}"
        for name, digest in manifest.records.items()
        if (problem := _record_problem(version_dir / name, digest))
    ]
    problems += [
        f"{CHROMA}/{name} missing"
        for name in manifest.chroma_files
        if not (version_dir / CHROMA / name).is_file()
    ]
    if not problems and (problem := _chroma_db_problem(version_dir, len(manifest.chunk_ids))):
        problems.append(problem)
    if problems:
        raise IndexCorrupt(f"{version_dir} is damaged: {', '.join(problems[:3])}")
    return manifest


def _chroma_db_problem(version_dir: Path, chunks: int) -> str | None:
    """A quick look at Chroma's SQLite file with the standard library (importing chromadb takes
    a second, too slow for a no-op ingest): readable, and holding one row per chunk."""
    path = version_dir / CHROMA / "chroma.sqlite3"
    try:
        with path.open("rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return f"{CHROMA}/chroma.sqlite3 is not a SQLite database"
        # immutable=1: no lock, no -shm/-wal files; reading must not write into the version.
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if "embeddings" in tables:  # Chroma's table; if a new Chroma renames it, skip this
                (rows,) = db.execute("SELECT count(*) FROM embeddings").fetchone()
                if rows != chunks:
                    return f"{CHROMA}/chroma.sqlite3 holds {rows} rows, manifest {chunks} chunks"
        finally:
            db.close()
    except (OSError, sqlite3.Error) as exc:
        return f"{CHROMA}/chroma.sqlite3 is unreadable ({exc})"
    return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def combined_hash(files: dict[str, str]) -> str:
    """One hash over an encoder's file hashes (the manifest's `encoder.sha256`)."""
    return hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()


def encoder_problem(version_dir: Path, entry: EncoderEntry) -> str | None:
    """What is wrong with a version's encoder files against its manifest entry, or None."""
    from bot.embed import ENCODER_FILES, LEGACY_ENCODER_FILES

    files = dict(entry.files)
    layouts = (sorted(ENCODER_FILES), sorted(LEGACY_ENCODER_FILES))
    if sorted(files) not in layouts or combined_hash(files) != entry.sha256:
        return "the manifest's encoder entry is inconsistent"
    hashed = _hashed_identities(version_dir / ENCODER)
    for name, digest in files.items():
        path = version_dir / ENCODER / name
        if not path.is_file():
            return f"{ENCODER}/{name} missing"
        if hashed.get(name) == [*file_identity(path), digest]:
            continue  # the very file hashed at export (a hard link), not written since
        if file_sha256(path) != digest:
            return f"{ENCODER}/{name} does not match the manifest"
    return None


def file_identity(path: Path) -> list[int]:
    """Device, inode, size and modification time: a file with the same identity as one hashed
    earlier was not written since (writing changes the time; a copy is another inode)."""
    st = path.stat()
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def _hashed_identities(folder: Path) -> dict[str, Any]:
    """IDENTITIES of an encoder folder (name -> identity + sha256), {} if missing or bad."""
    try:
        data = json.loads((folder / IDENTITIES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _record_problem(path: Path, digest: str) -> str | None:
    if not path.is_file():
        return "missing"
    return None if file_sha256(path) == digest else "changed since publishing"


def page_from_json(data: dict[str, Any]) -> Page:
    data["headings"] = tuple(tuple(h) for h in data.get("headings", ()))
    data["warnings"] = tuple(data.get("warnings", ()))
    return Page(**data)


def read_page_record(index_dir: Path, version: str, source: str) -> dict[str, Any] | None:
    """One page record of a version (cleaned text, title, url, version, path), or None."""
    path = index_dir / VERSIONS / version / PAGES
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                record: dict[str, Any] = json.loads(line)
                if record.get("source") == source:
                    return record
    except (OSError, ValueError):
        return None
    return None


def kept_versions(index_dir: Path) -> tuple[str, ...]:
    """The version ids in the index directory, newest first (served or kept for rollback)."""
    versions_dir = index_dir / VERSIONS
    if not versions_dir.is_dir():
        return ()
    names = (p.name for p in versions_dir.iterdir() if p.is_dir() and VERSION_ID.match(p.name))
    return tuple(sorted(names, reverse=True))


def read_records(index_dir: Path, version: str) -> tuple[dict[str, Page], dict[str, list[Chunk]]]:
    """A version's pages by source and chunks by page source, straight from its record files
    (no checks: for ingest reusing unchanged pages). Raises OSError, ValueError or TypeError."""
    version_dir = index_dir / VERSIONS / version
    pages = {
        p.source: p
        for p in (page_from_json(json.loads(line)) for line in _lines(version_dir / PAGES))
    }
    chunks: dict[str, list[Chunk]] = {}
    for line in _lines(version_dir / CHUNKS):
        chunk = Chunk(**json.loads(line))
        chunks.setdefault(chunk.source, []).append(chunk)
    return pages, chunks


def chroma_client(path: Path) -> ClientAPI:
    """A Chroma client on `path`; close it when done (Chroma shares one system per path)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
    )


class ServingIndex:
    """One published version, loaded: its records, chunk vectors and query encoder. Read only:
    nothing in the version directory is opened for writing (not even Chroma's files)."""

    def __init__(self, index_dir: Path, version: str) -> None:
        self.index_dir = index_dir
        self.version = version
        self.path = index_dir / VERSIONS / version
        if not self.path.is_dir():
            raise IndexCorrupt(
                f"CURRENT names version {version} but {self.path} is missing; "
                "run `python ingest.py` to publish a fresh version"
            )
        self.manifest: Manifest = read_manifest(self.path)
        self.embedding_model: str = self.manifest.embedding_model
        try:
            pages = [page_from_json(json.loads(line)) for line in _lines(self.path / PAGES)]
            self.chunks: list[Chunk] = [
                Chunk(**json.loads(line)) for line in _lines(self.path / CHUNKS)
            ]
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorrupt(f"{self.path} is damaged: unreadable records ({exc})") from exc
        self.pages: dict[str, Page] = {p.source: p for p in pages}
        self.chunk_by_id: dict[str, Chunk] = {c.chunk_id: c for c in self.chunks}
        self.chunk_ids: list[str] = [c.chunk_id for c in self.chunks]
        if tuple(self.chunk_ids) != self.manifest.chunk_ids:
            raise IndexCorrupt(f"{self.path} is damaged: chunks.jsonl does not match the manifest")
        self.dimension = self.manifest.dimension
        self.sentences: SentenceTable | None = self._load_sentences()
        self.vectors: np.ndarray = self._load_vectors()
        self._encoder: Embedder | None = None
        self._encoder_lock = threading.Lock()

    def _load_vectors(self) -> np.ndarray:
        """The chunk vectors, one row per chunk in chunk order (float32)."""
        import numpy as np

        if VECTORS not in self.manifest.records:
            return self._vectors_from_chroma_copy()
        try:
            vectors = np.load(self.path / VECTORS, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise IndexCorrupt(f"{self.path} is damaged: {VECTORS} is unreadable ({exc})") from exc
        expected = (len(self.chunks), self.dimension or vectors.shape[-1])
        if vectors.ndim != 2 or vectors.shape != expected:
            raise IndexCorrupt(
                f"{self.path} is damaged: {VECTORS} has shape {vectors.shape}, expected {expected}"
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _vectors_from_chroma_copy(self) -> np.ndarray:
        """A version published before vectors.npy: its vectors read from a private copy of its
        Chroma directory (Chroma writes to the files it opens; the version must not change)."""
        import tempfile

        import numpy as np

        from bot.index.chroma import copy_published

        log.warning(
            "version %s has no %s: reading its vectors from a copy of its Chroma store "
            "(run `python ingest.py` to publish a version that has them)",
            self.version,
            VECTORS,
        )
        with tempfile.TemporaryDirectory(prefix="clinicbot-chroma-") as tmp:
            client: Any = None
            try:
                copy_published(self.path / CHROMA, Path(tmp) / CHROMA)
                client = chroma_client(Path(tmp) / CHROMA)
                collection = client.get_collection(COLLECTION, embedding_function=None)
                step = client.get_max_batch_size()
                found: dict[str, Any] = {}
                for i in range(0, len(self.chunk_ids), step):
                    got = collection.get(ids=self.chunk_ids[i : i + step], include=["embeddings"])
                    found.update(zip(got["ids"], got["embeddings"], strict=True))
            except Exception as exc:  # Chroma raises several kinds for a damaged store
                raise IndexCorrupt(
                    f"{self.path} is damaged: Chroma cannot open it ({exc}); "
                    "run `python ingest.py` to publish a fresh version"
                ) from exc
            finally:
                if client is not None:
                    client.close()
        missing = [cid for cid in self.chunk_ids if cid not in found]
        if missing:
            raise IndexCorrupt(
                f"{self.path} is damaged: Chroma lacks {len(missing)} of {len(self.chunk_ids)} "
                "chunk vectors"
            )
        if not self.chunk_ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray([found[cid] for cid in self.chunk_ids], dtype=np.float32)

    def _load_sentences(self) -> SentenceTable | None:
        """The sentence spans and vectors ingest stored; None when the version has none, or
        they were cut by other splitting code (answering then splits and embeds per question)."""
        from bot.sentences import (
            SENTENCE_VECTORS,
            SENTENCES,
            SentenceTableError,
            read_table,
            splitter_id,
        )

        stored = self.manifest.sentences
        if not stored:
            return None
        if not {SENTENCES, SENTENCE_VECTORS} <= set(self.manifest.records):
            raise IndexCorrupt(f"{self.path} is damaged: sentence files not in the manifest")
        if stored.splitter != splitter_id():
            log.warning(
                "version %s: its sentences were split by %s, this code splits with %s; "
                "embedding them per question (run `python ingest.py` to store them again)",
                self.version,
                stored.splitter,
                splitter_id(),
            )
            return None
        try:
            return read_table(
                self.path, [(c.chunk_id, len(c.text)) for c in self.chunks], self.dimension
            )
        except SentenceTableError as exc:
            raise IndexCorrupt(
                f"{self.path} is damaged: {exc}; run `python ingest.py` to publish a fresh version"
            ) from exc

    def query_encoder(self) -> Embedder:
        """The encoder that embeds questions for this version, shared by the process: the ONNX
        export stored in the version (its files checked against the manifest on first use), or
        for a version published without one, sentence-transformers (imports torch)."""
        with self._encoder_lock:
            if self._encoder is None:
                self._encoder = self._load_encoder()
            return self._encoder

    def _load_encoder(self) -> Embedder:
        from bot.embed import (
            DEFAULT_MODEL_NAME,
            EmbeddingModelError,
            shared_onnx_embedder,
            shared_sentence_transformer,
        )

        entry = self.manifest.encoder
        if not entry:
            log.warning(
                "version %s has no ONNX encoder: embedding questions with sentence-transformers "
                "(run `python ingest.py` to publish a version that has one)",
                self.version,
            )
            model = self.embedding_model
            try:
                return shared_sentence_transformer("" if model == DEFAULT_MODEL_NAME else model)
            except ImportError as exc:  # a serving-only install (`pip install .`)
                raise IndexLoadError(
                    f"version {self.version} has no ONNX query encoder and {exc.name} is not "
                    "installed: run `python ingest.py` (pip install '.[ingest]') to publish a "
                    "version that has one"
                ) from exc
        problem = encoder_problem(self.path, entry)
        if problem:
            raise IndexCorrupt(f"{self.path} is damaged: {problem}")
        try:
            encoder = shared_onnx_embedder(self.path / ENCODER, entry.sha256)
        except EmbeddingModelError as exc:
            raise IndexCorrupt(f"{self.path} is damaged: {exc}") from exc
        if encoder.name != self.embedding_model or (
            self.dimension and encoder.dimension != self.dimension
        ):
            raise IndexCorrupt(
                f"{self.path} is damaged: its encoder is {encoder.name} ({encoder.dimension}), "
                f"its vectors {self.embedding_model} ({self.dimension})"
            )
        return encoder

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `k` nearest chunks, best first: exact search
        (a matrix-vector product; 4,000 chunks take well under a millisecond)."""
        import numpy as np

        vector = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if self.dimension and vector.shape[0] != self.dimension:
            raise ValueError(
                f"query vector has {vector.shape[0]} dimensions; version {self.version} was "
                f"embedded with {self.embedding_model} ({self.dimension})"
            )
        n = min(k, len(self.chunks))
        if n <= 0:
            return []
        scores = self.vectors @ vector
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # best first; ties in chunk order
        return [(self.chunk_ids[i], float(scores[i])) for i in top]

    def close(self) -> None:
        """Nothing to release: a version holds no open files once loaded."""

    def __enter__(self) -> ServingIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ServingIndex({str(self.index_dir)!r}, {self.version!r}, {len(self.chunks)} chunks)"


class CurrentEncoder:
    """The Embedder of whichever version `index_source` serves (its stored ONNX encoder): what
    the app and `bot.ask` embed questions with. Nothing loads until the first question."""

    def __init__(self, index_source: Any) -> None:
        self.index_source = index_source

    def _encoder(self) -> Embedder:
        return self.index_source.current().query_encoder()

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._encoder().name

    @property
    def dimension(self) -> int:  # type: ignore[override]
        return self._encoder().dimension

    def embed(self, texts: Any, progress: Any = None) -> np.ndarray:
        return self._encoder().embed(texts, progress)

    def embed_tokens(self, texts: Any) -> list[np.ndarray]:
        """Last-layer token vectors per text (triage's adapter reads them)."""
        return self._encoder().embed_tokens(texts)  # type: ignore[attr-defined]


def _lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [line for line in f if line.strip()]


def open_index(index_dir: Path, version: str | None = None) -> ServingIndex:
    """Load the served version (or `version`); raises IndexNotFound or IndexCorrupt."""
    index_dir = Path(index_dir)
    if version is None:
        if not index_dir.is_dir():
            raise IndexNotFound(f"no index at {index_dir}: run `python ingest.py` first")
        version = read_current(index_dir)
        if version is None:
            raise IndexNotFound(f"nothing published at {index_dir} yet: run `python ingest.py`")
    return ServingIndex(index_dir, version)


class IndexWatcher:
    """Serves the latest published version: `current()` reloads when CURRENT changes.

    The check is a stat of CURRENT per call. A version that fails to load is logged and the
    previous one kept. Thread-safe: one thread loads while the others keep the old version.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._index: ServingIndex | None = None
        self._seen: tuple[int, int, int] | None = None
        self._retired: list[ServingIndex] = []
        self._load_lock = threading.Lock()

    def close(self) -> None:
        """Release every loaded version (at shutdown)."""
        with self._load_lock:
            for index in [*self._retired, *([self._index] if self._index else [])]:
                index.close()
            self._retired, self._index, self._seen = [], None, None

    def _fingerprint(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.index_dir / CURRENT)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self) -> ServingIndex:
        """The served index; raises IndexLoadError only if no version could ever be loaded."""
        index = self._index
        fingerprint = self._fingerprint()
        if index is not None and fingerprint == self._seen:
            return index
        if not self._load_lock.acquire(blocking=index is None):
            return index  # type: ignore[return-value]  # another thread is loading
        try:
            self._reload(fingerprint)
        finally:
            self._load_lock.release()
        if self._index is None:
            raise IndexNotFound(f"nothing published at {self.index_dir} yet")
        return self._index

    def _reload(self, fingerprint: tuple[int, int, int] | None) -> None:
        old = self._index
        try:
            version = read_current(self.index_dir)
            if old is not None and version == old.version:
                self._seen = fingerprint
                return
            new = open_index(self.index_dir)
        except IndexLoadError as exc:
            if old is None:
                raise
            log.warning("keeping index version %s: %s", old.version, exc)
            self._seen = fingerprint  # retry when CURRENT changes again, not on every call
            return
        self._index, self._seen = new, fingerprint
        log.info("serving index version %s", new.version)
        if old is not None:
            # Requests may still be using the previous version: close only the one before it.
            self._retired.append(old)
            while len(self._retired) > 1:
                self._retired.pop(0).close()
