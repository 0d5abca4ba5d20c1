"""Publish an index version safely: build it in staging, verify, fsync, rename, switch CURRENT.

A version directory is immutable once published; the app follows CURRENT (see `bot.index`).
Every step before the final `os.replace` of CURRENT is invisible to readers, so a crash or kill
at any moment leaves the previous version serving; the next run removes the leftovers. A small
change starts the staging Chroma directory as a copy of the served version's (`bot.index.chroma`),
verified like any other build; a copy that fails is built again from scratch.

Why not LangChain's record manager (its indexing API): it syncs one mutable vector store in
place, while we need a per-page dry-run diff report and immutable version directories that can
be rolled back. Diffing the new chunk ids against the served manifest, plus the embedding cache
keyed by (model, text hash), gives the same guarantee that an unchanged chunk is never embedded
twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import json
import logging
import os
import random
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from bot.embed import ENCODER_CONFIG, ENCODER_FILES
from bot.index import chroma
from bot.index import manifest as manifest_module
from bot.index.manifest import MANIFEST, ChromaBuild, EncoderEntry, Manifest, SentencesEntry
from bot.index.read import (
    CHROMA,
    CHUNKS,
    COLLECTION,
    CURRENT,
    ENCODER,
    HASHES,
    IDENTITIES,
    PAGES,
    VECTORS,
    VERSION_ID,
    VERSIONS,
    IndexLoadError,
    chroma_client,
    combined_hash,
    encoder_problem,
    file_sha256,
    read_current,
    read_manifest,
)
from bot.sentences import SENTENCE_VECTORS, SENTENCES, ChunkSentences, read_table, write_table
from bot.types import Chunk, Page

log = logging.getLogger(__name__)

STAGING = ".staging-"
TRASH = ".trash-"
PUBLISHING = ".publishing-"  # + version: written before its rename, removed after the switch
LOCK = ".lock"
PROBE_SAMPLE = 1000  # chunks probed for retrievability; all of them in smaller indexes
# A copy of the served (verified) collection plus a change: every chunk the change added is
# probed, and this many others (1,000 queries took 0.35 s of a one-page MedQuAD publish).
COPY_PROBE_SAMPLE = 200
PROBE_TOP = 10
ENCODER_PROBE = 4  # chunks re-embedded by the stored encoder to check it matches the vectors
ENCODER_MIN_COSINE = 0.99  # fp32 export vs torch: > 0.99999 measured


class IngestError(RuntimeError):
    """Ingest cannot go on; the message says why and what to do."""


class IndexNotWritable(IngestError):
    """The index directory cannot be created or written."""


class IngestBusy(IngestError):
    """Another ingest holds the index directory's lock."""


class VerificationFailed(IngestError):
    """A freshly built version is incomplete; it was not published."""


class RollbackError(IngestError):
    """There is no usable previous version to switch to."""


@contextlib.contextmanager
def locked(index_dir: Path) -> Iterator[None]:
    """Hold the index directory's lock (one writer at a time); creates the directory."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise IndexNotWritable(
            f"cannot write to index directory {index_dir}: {exc.strerror or exc}; "
            "fix its permissions or pass --index DIR"
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestBusy(
                f"another ingest is running on {index_dir}; try again when it ends"
            ) from None
        yield
    finally:
        os.close(fd)  # also releases the lock


def new_version_id(index_dir: Path, content_hash: str, now: dt.datetime) -> str:
    """`YYYYMMDDTHHMMSSZ-<8 hex>`, moved a second later if that id was already used."""
    while True:
        version = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{content_hash[:8]}"
        if not (index_dir / VERSIONS / version).exists():
            return version
        now += dt.timedelta(seconds=1)


def _write_jsonl(path: Path, records: Sequence[Page | Chunk]) -> None:
    """One JSON object per record. A shallow field dict, not `asdict`: its deep copy took most
    of the write (0.2 s of a one-page MedQuAD publish) for the same bytes (tuples -> lists)."""
    with path.open("w", encoding="utf-8") as f:
        f.write(
            "".join(
                json.dumps({n: getattr(r, n) for n in _field_names(type(r))}, ensure_ascii=False)
                + "\n"
                for r in records
            )
        )


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


@dataclass(frozen=True, eq=False)
class VersionContent:
    """What one version holds: the manifest (without the hashes written at build), the pages,
    chunks with their vectors and sentences, and the cached ONNX query encoder to link into it
    (None: a model that has none, e.g. the tests' hashing embedder)."""

    manifest: Manifest
    pages: Sequence[Page]
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    sentences: ChunkSentences
    encoder: Path | None = None


def build_version(
    staging: Path, content: VersionContent, base: ChromaBase | None = None
) -> list[str]:
    """Write a complete version into the empty directory `staging` (manifest last).

    With `base`, the Chroma collection is a copy of the served version's plus the change;
    returns the chunk ids added to that copy (none for a build from scratch).
    """
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise IndexNotWritable(f"cannot create {staging}: {exc.strerror or exc}") from exc
    _write_jsonl(staging / PAGES, content.pages)
    _write_jsonl(staging / CHUNKS, content.chunks)
    write_table(staging, [c.chunk_id for c in content.chunks], content.sentences)
    np.save(
        staging / VECTORS,
        np.ascontiguousarray(content.vectors, dtype=np.float32),
        allow_pickle=False,
    )
    records = (PAGES, CHUNKS, SENTENCES, SENTENCE_VECTORS, VECTORS)
    record_hashes = {name: file_sha256(staging / name) for name in records}
    encoder_entry_ = install_encoder(content.encoder, staging) if content.encoder else None
    chroma_dir = staging / CHROMA
    added: list[str] = []
    if base is None:
        chroma.build_new(chroma_dir, content.chunks, content.vectors)
    else:
        chroma.copy_published(base.path, chroma_dir)
        added = chroma.apply_change(chroma_dir, content.chunks, content.vectors)
    chroma_files = sorted(
        p.relative_to(chroma_dir).as_posix() for p in chroma_dir.rglob("*") if p.is_file()
    )
    complete = content.manifest.model_copy(
        update={
            "records": record_hashes,
            "encoder": encoder_entry_,
            "chroma_build": ChromaBuild(
                hnsw=chroma.HNSW,
                base=base.version if base else None,
                churn=base.churn if base else 0,
            ),
            "chroma_files": tuple(chroma_files),
        }
    )
    manifest_module.write(staging, complete)
    return added


def encoder_entry(encoder: Path) -> EncoderEntry:
    """The manifest's `encoder` entry for a cached encoder: its files' sha256 (as computed at
    export; verification hashes the version's copies again), one hash over them, name, size."""
    files = json.loads((encoder / HASHES).read_text(encoding="utf-8"))
    config = json.loads((encoder / ENCODER_CONFIG).read_text(encoding="utf-8"))
    return EncoderEntry(
        files={name: files[name] for name in ENCODER_FILES},
        sha256=combined_hash(files),
        name=config["name"],
        dimension=config["dimension"],
    )


def install_encoder(encoder: Path, version_dir: Path) -> EncoderEntry:
    """Hard-link (or copy, across file systems) the cached encoder into the version; returns
    its manifest entry. Linking keeps a publish O(change): no 90 MB copy per version."""
    target = version_dir / ENCODER
    target.mkdir()
    for name in ENCODER_FILES:
        try:
            os.link(encoder / name, target / name)
        except OSError:
            shutil.copy2(encoder / name, target / name)  # a copy: its identity differs
    with contextlib.suppress(OSError):  # only saves hashing the linked files again
        os.link(encoder / IDENTITIES, target / IDENTITIES)
    return encoder_entry(encoder)


@dataclass(frozen=True)
class ChromaBase:
    """The served version's Chroma directory, to copy, and the change since its last build from
    scratch including this one (see `chroma.churn_after`)."""

    path: Path
    version: str
    churn: int


def build_verified(staging: Path, content: VersionContent, base: ChromaBase | None = None) -> None:
    """Build the version in `staging` and verify it; raises VerificationFailed.

    A copy of `base` is only a shortcut: if copying or changing it fails, or the result fails
    verification (which then also probes every chunk added to it), the version is built again
    from scratch, and that one must pass.
    """
    if base is not None:
        try:
            added = build_version(staging, content, base)
            verify_version(staging, COPY_PROBE_SAMPLE, also_probe=added)
            return
        except Exception as exc:  # Chroma, SQLite and the file system raise many kinds
            log.warning(
                "a copy of version %s could not become %s (%s): building it from scratch",
                base.version,
                staging.name,
                exc,
            )
            remove_tree(staging)
    build_version(staging, content)
    verify_version(staging)


def verify_version(
    version_dir: Path,
    sample: int = PROBE_SAMPLE,
    also_probe: Sequence[str] = (),
    open_chroma: bool = True,
) -> None:
    """Check a version is complete and retrievable; raises VerificationFailed.

    The stored sentences fit the chunks (as answering will load them), Chroma's count equals
    the manifest's, every chunk id is present, and querying a sample of chunks (all, for small
    indexes) and `also_probe` by their own stored vectors finds each in the top results.
    `open_chroma=False` skips the Chroma part: opening a Chroma store writes to it, and a
    published version must not change (serving reads vectors.npy, not Chroma).
    """
    try:
        manifest = read_manifest(version_dir)
    except IndexLoadError as exc:
        raise VerificationFailed(str(exc)) from exc
    if manifest.sentences:  # versions published before sentences were stored have none
        _check_sentences(version_dir, manifest, manifest.sentences)
    ids = list(manifest.chunk_ids)
    if VECTORS in manifest.records:  # versions published before vectors.npy have none
        _check_vectors(version_dir, manifest)
    if manifest.encoder:
        _check_encoder(version_dir, manifest, manifest.encoder)
    if not open_chroma:
        return
    client = chroma_client(version_dir / CHROMA)
    try:
        try:
            collection = client.get_collection(COLLECTION, embedding_function=None)
        except Exception as exc:  # Chroma raises several kinds for a missing collection
            raise VerificationFailed(f"{version_dir}: no Chroma collection: {exc}") from exc
        count = collection.count()
        if count != len(ids):
            raise VerificationFailed(
                f"{version_dir}: Chroma holds {count} vectors, manifest {len(ids)}"
            )
        step = client.get_max_batch_size()
        present: set[str] = set()
        for i in range(0, len(ids), step):
            present.update(collection.get(ids=ids[i : i + step], include=[])["ids"])
        missing = [cid for cid in ids if cid not in present]
        if missing:
            raise VerificationFailed(f"{version_dir}: {len(missing)} chunks missing from Chroma")
        if ids:
            _probe(version_dir, collection, ids, sample, also_probe)
    finally:
        client.close()


def _check_sentences(version_dir: Path, manifest: Manifest, stored: SentencesEntry) -> None:
    try:
        with (version_dir / CHUNKS).open(encoding="utf-8") as f:
            chunks = [json.loads(line) for line in f if line.strip()]
        table = read_table(
            version_dir,
            [(c["chunk_id"], len(c["text"])) for c in chunks],
            manifest.dimension,
        )
        distinct = stored.distinct
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VerificationFailed(f"{version_dir}: sentences do not fit the chunks ({exc})") from exc
    if len(table.vectors) != distinct:
        raise VerificationFailed(
            f"{version_dir}: {len(table.vectors)} sentence vectors, manifest {distinct}"
        )


def _check_vectors(version_dir: Path, manifest: Manifest) -> None:
    try:
        vectors = np.load(version_dir / VECTORS, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise VerificationFailed(f"{version_dir}: {VECTORS} is unreadable ({exc})") from exc
    expected = (len(manifest.chunk_ids), manifest.dimension)
    if vectors.shape != expected or vectors.dtype != np.float32:
        raise VerificationFailed(
            f"{version_dir}: {VECTORS} is {vectors.dtype} {vectors.shape}, expected "
            f"float32 {expected}"
        )


def _check_encoder(version_dir: Path, manifest: Manifest, entry: EncoderEntry) -> None:
    """The stored encoder matches its manifest hashes and reproduces stored chunk vectors."""
    from bot.embed import EmbeddingModelError, shared_onnx_embedder

    problem = encoder_problem(version_dir, entry)
    if problem:
        raise VerificationFailed(f"{version_dir}: {problem}")
    if entry.name != manifest.embedding_model:
        raise VerificationFailed(
            f"{version_dir}: the encoder is {entry.name}, the vectors {manifest.embedding_model}"
        )
    ids = manifest.chunk_ids
    if not ids:
        return
    try:
        encoder = shared_onnx_embedder(version_dir / ENCODER, entry.sha256, threads=0)
    except EmbeddingModelError as exc:
        raise VerificationFailed(str(exc)) from exc
    rows = random.Random(version_dir.name).sample(range(len(ids)), min(ENCODER_PROBE, len(ids)))
    with (version_dir / CHUNKS).open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    stored = np.load(version_dir / VECTORS, allow_pickle=False)[rows]
    fresh = encoder.embed([texts[i] for i in rows])
    cosines = (stored * fresh).sum(axis=1)
    if float(cosines.min()) < ENCODER_MIN_COSINE:
        raise VerificationFailed(
            f"{version_dir}: the stored encoder does not reproduce the chunk vectors "
            f"(cosine {float(cosines.min()):.4f}); delete {ENCODER}s/ in the index directory "
            "and ingest again"
        )


def _probe(
    version_dir: Path, collection: Any, ids: list[str], sample: int, also: Sequence[str]
) -> None:
    probe = ids if len(ids) <= sample else random.Random(version_dir.name).sample(ids, sample)
    probe = list(dict.fromkeys([*probe, *also]))
    got = collection.get(ids=probe, include=["embeddings"])
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    failed = _not_found(collection, got["ids"], vectors, min(PROBE_TOP, len(ids)))
    if failed:  # HNSW is approximate: look deeper before calling a chunk unretrievable
        again = [got["ids"].index(cid) for cid in failed]
        failed = _not_found(collection, failed, vectors[again], min(10 * PROBE_TOP, len(ids)))
    if failed:
        raise VerificationFailed(
            f"{version_dir}: {len(failed)} of {len(probe)} probed chunks are not retrievable "
            f"by their own vector (e.g. {failed[0]})"
        )


def _not_found(collection: Any, ids: list[str], vectors: np.ndarray, k: int) -> list[str]:
    result = collection.query(query_embeddings=vectors, n_results=k, include=["distances"])
    failed = []
    for cid, hits, distances in zip(ids, result["ids"], result["distances"], strict=True):
        # Identical texts share a vector: finding any copy of it counts as found.
        if cid not in hits and not any(d < 1e-4 for d in distances):
            failed.append(cid)
    return failed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file and directory under `root` to disk (before it becomes visible)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            _fsync(Path(folder) / name)
        _fsync(Path(folder))


def write_current(index_dir: Path, version: str) -> None:
    """Atomically point CURRENT at `version` (write, fsync, rename over, fsync the directory)."""
    tmp = index_dir / f"{CURRENT}.tmp-{os.getpid()}"
    with tmp.open("w", encoding="utf-8") as f:
        f.write(version + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync(index_dir)


def install_version(index_dir: Path, staging: Path, version: str) -> None:
    """Make the verified staging directory versions/<version> and serve it.

    A `.publishing-<version>` marker spans the rename and the switch, so a run killed between
    the two leaves a version the next run recognises as never published (see
    `finish_interrupted`) rather than one that looks rolled back from.
    """
    versions = index_dir / VERSIONS
    versions.mkdir(exist_ok=True)
    fsync_tree(staging)
    marker = index_dir / f"{PUBLISHING}{version}"
    marker.touch()
    _fsync(index_dir)
    os.rename(staging, versions / version)
    _fsync(versions)
    write_current(index_dir, version)
    marker.unlink()
    _fsync(index_dir)


def finish_interrupted(index_dir: Path) -> list[str]:
    """Publish or remove the version a killed run renamed into place but never switched to.

    Such a version was verified and flushed before its rename, so it is published when it was
    built on the version still served (the killed run's intent) and verifies again; otherwise
    it is removed. Returns one line per version handled, for the ingest report. Call with
    the lock held.
    """
    if not index_dir.is_dir():
        return []
    notes = []
    for marker in sorted(index_dir.glob(f"{PUBLISHING}*")):
        version = marker.name.removeprefix(PUBLISHING)
        version_dir = index_dir / VERSIONS / version
        served = _served_or_none(index_dir)
        if version_dir.is_dir() and VERSION_ID.match(version) and version != served:
            reason = _orphan_problem(version_dir, served)
            if reason is None:
                write_current(index_dir, version)
                notes.append(
                    f"version {version}, left unpublished by an interrupted run: published it"
                )
            else:
                remove_tree(version_dir)
                notes.append(
                    f"version {version}, left unpublished by an interrupted run: "
                    f"removed it ({reason})"
                )
        marker.unlink()
    if notes:
        _fsync(index_dir)
    return notes


def _served_or_none(index_dir: Path) -> str | None:
    try:
        return read_current(index_dir)
    except IndexLoadError:
        return None


def _orphan_problem(version_dir: Path, served: str | None) -> str | None:
    """Why an interrupted run's version must not be published, or None if it may be."""
    try:
        parent = read_manifest(version_dir).parent
    except IndexLoadError as exc:
        return f"unreadable: {exc}"
    if parent != served:
        return f"built on {parent or 'nothing'}, while {served or 'nothing'} is served"
    try:
        verify_version(version_dir)
    except VerificationFailed as exc:
        return f"does not verify: {exc}"
    return None


def remove_tree(path: Path) -> None:
    """Delete a directory: renamed away first, so no half-deleted version is ever listed."""
    if path.name.startswith((STAGING, TRASH)):
        shutil.rmtree(path)
        return
    trash = path.parent.parent / f"{TRASH}{path.name}" if path.parent.name == VERSIONS else path
    os.rename(path, trash)
    shutil.rmtree(trash)


def cleanup(index_dir: Path, keep: int) -> list[str]:
    """Remove dead runs' leftovers and old versions; returns the names removed.

    Kept: the served version and its ancestors (the rollback chain), `keep` in all; when the
    chain is shorter (e.g. after a rollback), the most recently written other versions.
    """
    removed = []
    if not index_dir.is_dir():
        return removed
    for entry in index_dir.iterdir():
        if entry.name.startswith((STAGING, TRASH)) and entry.is_dir():
            remove_tree(entry)
            removed.append(entry.name)
        elif entry.name.startswith(f"{CURRENT}.tmp-"):
            entry.unlink()
    versions_dir = index_dir / VERSIONS
    if not versions_dir.is_dir():
        return removed
    # A version whose publish was interrupted is never counted: `finish_interrupted` decides.
    pending = {m.name.removeprefix(PUBLISHING) for m in index_dir.glob(f"{PUBLISHING}*")}
    names = [
        p.name
        for p in versions_dir.iterdir()
        if p.is_dir() and VERSION_ID.match(p.name) and p.name not in pending
    ]
    keep = max(keep, 1)
    protected: list[str] = []
    # The parent links only: not `read_manifest`, which hashes every version's record files.
    with contextlib.suppress(IndexLoadError, manifest_module.ManifestError):
        version = read_current(index_dir)
        while version and version not in protected and len(protected) < keep:
            protected.append(version)
            version = manifest_module.load(versions_dir / version).parent
    for name in sorted(names, key=lambda n: _written(versions_dir / n), reverse=True):
        if len(protected) >= keep:
            break
        if name not in protected:
            protected.append(name)
    for name in names:
        if name not in protected:
            remove_tree(versions_dir / name)
            removed.append(name)
    return sorted(removed)


def _written(version_dir: Path) -> int:
    try:
        return (version_dir / MANIFEST).stat().st_mtime_ns
    except OSError:
        return version_dir.stat().st_mtime_ns


def rollback(index_dir: Path) -> str:
    """Serve the current version's parent again (verified first); returns its id."""
    with locked(index_dir):
        try:
            current = read_current(index_dir)
            if current is None:
                raise RollbackError(f"nothing published at {index_dir}: nothing to roll back")
            parent = read_manifest(index_dir / VERSIONS / current).parent
        except IndexLoadError as exc:
            raise RollbackError(f"cannot read the served version: {exc}") from exc
        if not parent:
            raise RollbackError(
                f"version {current} is the first one published: no parent to roll back to"
            )
        target = index_dir / VERSIONS / parent
        if not target.is_dir():
            raise RollbackError(f"parent version {parent} is no longer kept (see keep_versions)")
        try:
            verify_version(target, open_chroma=False)
        except VerificationFailed as exc:
            raise RollbackError(f"parent version {parent} is damaged: {exc}") from exc
        write_current(index_dir, parent)
        return parent
