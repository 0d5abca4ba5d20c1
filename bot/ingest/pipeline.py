"""The ingest run: compare the knowledge directory with the served version, then publish.

`plan` (dry run), `publish` and `rollback` return typed results for the CLI and the staff
console. A run that changes nothing reads manifests only: no Chroma, no embedding model.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.embed import model_name
from bot.index import (
    CHROMA,
    VECTORS,
    VERSIONS,
    IndexLoadError,
    read_current,
    read_manifest,
    read_records,
)
from bot.index import publish as pub
from bot.index.manifest import SCHEMA_VERSION, Manifest, PageEntry
from bot.ingest.load import PageError, PageFile, discover, parse_page, read_bytes
from bot.ingest.report import BadFile, IngestReport
from bot.settings import Settings
from bot.types import Chunk, Page

if TYPE_CHECKING:
    from bot.embed import Embedder
    from bot.ingest.reuse import Known
    from bot.ingest.sentences import SpanRows

log = logging.getLogger(__name__)

_CODE = ("load.py", "clean.py", "chunk.py")


class KnowledgeDirMissing(pub.IngestError):
    """The knowledge directory does not exist."""


def expected_model_name(settings: Settings) -> str:
    """The name `load_embedder(settings)` will have, known without loading the model."""
    return model_name(settings)


def _code_hash() -> str:
    """Pages parsed by other loader/cleaner/chunker code must be parsed again."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class _Entry:
    """One page file in this run: parsed now, or known unchanged from the served manifest."""

    file: PageFile
    file_sha256: str
    page: Page | None = None
    chunks: list[Chunk] | None = None
    version: str = ""
    chunk_ids: list[str] = field(default_factory=list)
    warnings: tuple[str, ...] = ()


@dataclass
class _Served:
    version: str | None = None
    manifest: Manifest | None = None
    warning: str | None = None

    @property
    def pages(self) -> dict[str, PageEntry]:
        return self.manifest.pages if self.manifest else {}


def _served(index_dir: Path) -> _Served:
    try:
        version = read_current(index_dir)
        if version is None:
            return _Served()
        return _Served(version, read_manifest(index_dir / VERSIONS / version))
    except IndexLoadError as exc:
        return _Served(
            warning=f"the served index is broken ({exc}); publishing a complete new version"
        )


def _scan(
    settings: Settings, served: _Served, rebuild: bool
) -> tuple[dict[str, _Entry], list[PageError], list[str]]:
    from bot.ingest.chunk import chunk_page

    knowledge = settings.knowledge_dir
    if not knowledge.is_dir():
        raise KnowledgeDirMissing(
            f"knowledge directory {knowledge} does not exist (pass --knowledge DIR)"
        )
    files, bad, ignored = discover(knowledge)
    trust_manifest = (
        not rebuild and served.manifest is not None and served.manifest.code == _code_hash()
    )
    entries: dict[str, _Entry] = {}
    for file in files:
        try:
            data = read_bytes(file.path, settings.max_page_bytes)
            entry = _Entry(file, hashlib.sha256(data).hexdigest())
            known = served.pages.get(file.source)
            if trust_manifest and known and known.file_sha256 == entry.file_sha256:
                entry.version, entry.chunk_ids = known.version, list(known.chunk_ids)
                entry.warnings = known.warnings
            else:
                entry.page = parse_page(file, data)
                entry.chunks = chunk_page(entry.page)
                entry.version, entry.chunk_ids = (
                    entry.page.version,
                    [c.chunk_id for c in entry.chunks],
                )
                entry.warnings = entry.page.warnings
        except PageError as exc:
            bad.append(exc)
            continue
        entries[file.source] = entry
    return entries, bad, ignored


def _keep_failed(entries: dict[str, _Entry], bad: list[PageError], served: _Served) -> list[str]:
    """keep_going: a page that fails now keeps its last published content."""
    kept = []
    for error in bad:
        source = Path(error.path).stem
        known = served.pages.get(source)
        if known and source not in entries:
            file = PageFile(source, Path(error.path), known.path)
            entries[source] = _Entry(
                file,
                known.file_sha256,
                version=known.version,
                chunk_ids=list(known.chunk_ids),
            )
            kept.append(source)
    return sorted(kept)


def _fill_records(
    entries: dict[str, _Entry], index_dir: Path, served: _Served, settings: Settings
) -> None:
    """Give every entry its Page and chunks: from the served version's files, else by parsing."""
    from bot.ingest.chunk import chunk_page

    missing = [e for e in entries.values() if e.page is None]
    if not missing:
        return
    pages: dict[str, Page] = {}
    chunks: dict[str, list[Chunk]] = {}
    with contextlib.suppress(OSError, ValueError, TypeError):
        pages, chunks = read_records(index_dir, str(served.version))
    for entry in missing:
        source = entry.file.source
        page, page_chunks = pages.get(source), chunks.get(source, [])
        if page is None or [c.chunk_id for c in page_chunks] != entry.chunk_ids:
            # The served records are unreadable: read the page again (it was good last time).
            from bot.ingest.load import load_page

            try:
                page = load_page(entry.file, settings.max_page_bytes)
            except PageError as exc:
                raise pub.IngestError(f"{exc} (and the served copy is unreadable)") from exc
            page_chunks = chunk_page(page)
        entry.page, entry.chunks = page, page_chunks


def _content_hash(model: str, entries: list[_Entry]) -> str:
    data = json.dumps([model, [(e.file.source, e.version, e.chunk_ids) for e in entries]])
    return hashlib.sha256(data.encode()).hexdigest()


@contextlib.contextmanager
def _writer(index_dir: Path, dry_run: bool) -> Iterator[None]:
    if dry_run:
        yield
    else:
        with pub.locked(index_dir):
            yield


def _run(
    settings: Settings,
    embedder: Embedder | None,
    *,
    dry_run: bool,
    rebuild: bool,
    keep_going: bool,
    progress: bool,
) -> IngestReport:
    started = time.perf_counter()
    index_dir = settings.resolved_index_dir
    model = embedder.name if embedder is not None else expected_model_name(settings)
    removed: list[str] = []
    recovered: list[str] = []
    with _writer(index_dir, dry_run):
        if not dry_run:
            recovered = pub.finish_interrupted(index_dir)
            removed += pub.cleanup(index_dir, settings.keep_versions)
        served = _served(index_dir)
        entries, bad, ignored = _scan(settings, served, rebuild)
        kept_failed = _keep_failed(entries, bad, served) if keep_going else []
        prev_pages = served.pages
        order = sorted(entries)
        added = [s for s in order if s not in prev_pages]
        changed = [
            s
            for s in order
            if s in prev_pages
            and (entries[s].version, entries[s].chunk_ids)
            != (prev_pages[s].version, list(prev_pages[s].chunk_ids))
        ]
        unchanged = [s for s in order if s in prev_pages and s not in changed]
        removed_pages = sorted(set(prev_pages) - set(entries))
        new_ids = [cid for s in order for cid in entries[s].chunk_ids]
        old_ids = set(served.manifest.chunk_ids) if served.manifest else set()
        warnings = [*recovered, *(w for w in (served.warning,) if w)]
        warnings += [f"{s}: {w}" for s in order for w in entries[s].warnings]
        same_model = served.manifest is not None and served.manifest.embedding_model == model
        from bot.ingest import sentences as sentences_module  # numpy: after the cheap checks

        has_sentences = sentences_module.stored_with_this_splitter(served.manifest)
        if same_model and not has_sentences:
            warnings.append(
                f"version {served.version} has no sentence vectors made by this code: "
                "publishing a version with them (unchanged texts come from the cache)"
            )
        servable = _serves_without_torch(served.manifest, embedder)
        if same_model and not servable:
            warnings.append(
                f"version {served.version} has no {VECTORS} or ONNX query encoder: publishing "
                "a version with them (unchanged texts come from the cache)"
            )
        no_change = not (rebuild or added or changed or removed_pages) and same_model
        no_change = no_change and has_sentences and servable
        report = dict(
            knowledge_dir=str(settings.knowledge_dir),
            index_dir=str(index_dir),
            dry_run=dry_run,
            embedding_model=model,
            previous_version=served.version,
            pages_added=tuple(added),
            pages_changed=tuple(changed),
            pages_removed=tuple(removed_pages),
            pages_unchanged=tuple(unchanged),
            pages_kept_failed=tuple(kept_failed),
            chunks_added=len(set(new_ids) - old_ids),
            chunks_removed=len(old_ids - set(new_ids)),
            chunks_kept=len(set(new_ids) & old_ids),
            chunk_count=len(new_ids),
            bad_files=tuple(BadFile(e.path, e.reason) for e in bad),
            warnings=tuple(warnings),
            ignored=tuple(ignored),
        )
        if bad and not keep_going:
            return _done(report, started, version=served.version, new_version=False, stopped=True)
        if no_change:
            if not dry_run:
                removed += pub.cleanup(index_dir, settings.keep_versions)
            return _done(
                report, started, version=served.version, new_version=False, removed=removed
            )
        if not order:
            raise pub.IngestError(
                f"no pages in {settings.knowledge_dir}: refusing to publish an empty index"
            )
        _fill_records(entries, index_dir, served, settings)
        chunks = [c for s in order for c in entries[s].chunks or []]
        from bot.ingest import cache as cache_module  # numpy: not needed for a no-op run

        if dry_run:
            spans = sentences_module.split_chunks(chunks, _served_spans(index_dir, served, rebuild))
            for field_name, texts in (
                ("chunks_embedded", [c.text for c in chunks]),
                ("sentences_embedded", sentences_module.texts_of(chunks, spans)),
            ):
                report[field_name] = cache_module.count_uncached(index_dir, model, texts, rebuild)
            return _done(report, started, version=None, new_version=True)
        version, embedded, sentences_embedded = _publish_version(
            settings,
            embedder,
            model,
            served,
            [entries[s] for s in order],
            chunks,
            rebuild,
            progress,
        )
        report["chunks_embedded"] = embedded
        report["sentences_embedded"] = sentences_embedded
        removed += pub.cleanup(index_dir, settings.keep_versions)
        return _done(report, started, version=version, new_version=True, removed=removed)


def _done(
    report: dict[str, Any], started: float, removed: list[str] | None = None, **fields: Any
) -> IngestReport:
    return IngestReport(
        **report,
        **fields,
        removed_versions=tuple(removed or ()),
        seconds=round(time.perf_counter() - started, 3),
    )


def _served_spans(index_dir: Path, served: _Served, rebuild: bool) -> SpanRows:
    """The served version's sentences by chunk id, to reuse (none for a rebuild)."""
    from bot.ingest.sentences import served_spans

    if rebuild or served.version is None:
        return {}
    return served_spans(index_dir / VERSIONS / served.version, served.manifest)


def _reused_vectors(
    index_dir: Path,
    served: _Served,
    model: str,
    chunks: list[Chunk],
    served_rows: SpanRows,
    rebuild: bool,
) -> Known:
    """Unchanged chunks' and sentences' vectors from the served version (none for a rebuild)."""
    from bot.ingest.reuse import Known, served_vectors

    if rebuild or served.version is None:
        return Known()
    version_dir = index_dir / VERSIONS / served.version
    return served_vectors(version_dir, served.manifest, model, chunks, served_rows)


class IngestExtraMissing(pub.IngestError):
    """A serving-only install (`pip install .`) cannot publish."""


def _require_ingest_extra() -> None:
    import importlib.util

    if importlib.util.find_spec("chromadb") is None:
        raise _extra_missing("chromadb")


def _extra_missing(module: str | None) -> IngestExtraMissing:
    return IngestExtraMissing(
        f"publishing an index needs {module}: install the ingest extra "
        "(pip install '.[ingest]'); serving an index does not"
    )


def _import_in_background(module: str) -> None:
    """Start importing `module` in a thread: importing chromadb takes longer than embedding a
    one-page change, and the model runs outside the GIL (a later `import` waits for this one)."""
    import importlib
    import threading

    def run() -> None:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)

    threading.Thread(target=run, name=f"import-{module}", daemon=True).start()


def _wants_encoder(embedder: Embedder | None) -> bool:
    """Whether versions store an ONNX encoder: for the configured model and any embedder that
    names its model folder; not for the tests' hashing embedder, which has no model."""
    return embedder is None or getattr(embedder, "model_path", None) is not None


def _serves_without_torch(manifest: Manifest | None, embedder: Embedder | None) -> bool:
    """Whether a version holds what torch-free serving needs (else publish one that does)."""
    if manifest is None or VECTORS not in manifest.records:
        return False
    return manifest.encoder is not None or not _wants_encoder(embedder)


def _encoder_dir(settings: Settings, embedder: Embedder | None, model: str) -> Path | None:
    """The cached ONNX export of the model (exported now, with torch, if missing), or None
    when the model has none or cannot be exported (serving then falls back to torch)."""
    from bot.embed import bundled_model_path
    from bot.ingest import encoder as encoder_module

    if not _wants_encoder(embedder):
        return None
    source = getattr(embedder, "model_path", None) or settings.embedding_model
    source = Path(source or bundled_model_path())
    cache_root = settings.encoder_cache_dir or settings.resolved_index_dir / encoder_module.ENCODERS
    if not source.is_dir():
        log.warning("no ONNX encoder: %s is not a model folder", source)
        return None
    try:
        return encoder_module.cached_encoder(source, cache_root, model)
    except ImportError as exc:  # torch, transformers or onnx, for the one-time export
        raise _extra_missing(exc.name) from exc
    except encoder_module.EncoderExportError as exc:
        log.warning("no ONNX encoder, serving will embed with torch: %s", exc)
        return None


def _chroma_base(
    index_dir: Path, served: _Served, model: str, chunk_ids: list[str]
) -> pub.ChromaBase | None:
    """The served version's Chroma directory to copy, if its model, graph settings and the
    change since its last build from scratch allow (else the new version starts afresh)."""
    from bot.index.chroma import churn_after

    if served.version is None or served.manifest is None:
        return None
    if served.manifest.embedding_model != model:
        return None
    churn = churn_after(served.manifest, chunk_ids)
    if churn is None:
        return None
    return pub.ChromaBase(index_dir / VERSIONS / served.version / CHROMA, served.version, churn)


def _publish_version(
    settings: Settings,
    embedder: Embedder | None,
    model: str,
    served: _Served,
    entries: list[_Entry],
    chunks: list[Chunk],
    rebuild: bool,
    progress: bool,
) -> tuple[str, int, int]:
    """Embed what the cache lacks, build, verify and install a version; returns its id and
    how many chunk and sentence texts were embedded."""
    index_dir = settings.resolved_index_dir
    _require_ingest_extra()
    _import_in_background("chromadb")  # seconds of imports; overlaps the embedding below
    loaded: list[Embedder] = [embedder] if embedder is not None else []
    encoder = _encoder_dir(settings, embedder, model)

    def get_embedder() -> Embedder:
        if not loaded:  # only now: a run with everything cached never loads the model
            from bot.embed import load_embedder, shared_onnx_embedder
            from bot.index.publish import encoder_entry

            if encoder is not None:  # the exported encoder: no torch for a small change
                key = encoder_entry(encoder).sha256
                loaded.append(shared_onnx_embedder(encoder, key, threads=0))
            else:
                loaded.append(load_embedder(settings))
        return loaded[0]

    from bot.ingest import cache as cache_module
    from bot.ingest import sentences as sentences_module

    served_rows = _served_spans(index_dir, served, rebuild)
    spans = sentences_module.split_chunks(chunks, served_rows)
    known = _reused_vectors(index_dir, served, model, chunks, served_rows, rebuild)
    cache = cache_module.open_for_writing(index_dir)
    try:
        vectors, embedded = cache_module.vectors_for(
            [c.text for c in chunks],
            cache,
            model,
            get_embedder,
            rebuild,
            progress,
            known=known.chunks,
        )
        sentences, sentences_embedded = sentences_module.embed_sentences(
            chunks, spans, cache, model, get_embedder, rebuild, progress, known=known.sentences
        )
    except cache_module.CacheError as exc:
        raise pub.IngestError(str(exc)) from exc
    finally:
        cache.close()
    now = dt.datetime.now(dt.UTC)
    content_hash = _content_hash(model, entries)
    version = pub.new_version_id(index_dir, content_hash, now)
    manifest = Manifest(
        format=SCHEMA_VERSION,
        version=version,
        parent=served.version if served.manifest else None,
        created_at=now.isoformat(timespec="seconds"),
        embedding_model=model,
        dimension=int(vectors.shape[1]) if len(vectors) else 0,
        code=_code_hash(),
        content_hash=content_hash,
        pages={
            e.file.source: PageEntry(
                version=e.version,
                title=e.page.title if e.page else "",
                path=e.file.rel,
                url=e.page.url if e.page else None,
                updated=e.page.updated if e.page else None,
                file_sha256=e.file_sha256,
                chunk_ids=tuple(e.chunk_ids),
                warnings=tuple(e.warnings),
            )
            for e in entries
        },
        chunk_ids=tuple(c.chunk_id for c in chunks),
        sentences=sentences_module.manifest_entry(sentences),
    )
    staging = index_dir / f"{pub.STAGING}{version}"
    pages = [e.page for e in entries if e.page]
    try:
        base = None if rebuild else _chroma_base(index_dir, served, model, list(manifest.chunk_ids))
        content = pub.VersionContent(manifest, pages, chunks, vectors, sentences, encoder)
        pub.build_verified(staging, content, base)
    except BaseException:
        if staging.exists():
            pub.remove_tree(staging)
        raise
    pub.install_version(index_dir, staging, version)
    return version, embedded, sentences_embedded


def plan(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    rebuild: bool = False,
    keep_going: bool = False,
) -> IngestReport:
    """What `publish` would do, writing nothing (not the cache, not even the index directory)."""
    return _run(
        settings, embedder, dry_run=True, rebuild=rebuild, keep_going=keep_going, progress=False
    )


def publish(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    *,
    rebuild: bool = False,
    keep_going: bool = False,
) -> IngestReport:
    """Publish the knowledge directory as a new verified version if anything changed.

    Any bad page stops the publish (the report lists them, `stopped` is set) unless
    `keep_going`, which serves a failing page as last published. The embedding model is loaded
    only if some chunk is not in the cache. Raises IngestError for problems beyond a page.
    """
    return _run(
        settings, embedder, dry_run=False, rebuild=rebuild, keep_going=keep_going, progress=progress
    )


def rollback(settings: Settings) -> str:
    """Serve the previous version again; returns its id (RollbackError if there is none)."""
    return pub.rollback(settings.resolved_index_dir)
