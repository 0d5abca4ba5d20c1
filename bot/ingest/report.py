"""The result of an ingest run: what changed, what was published, what went wrong."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class BadFile:
    """A page file that could not be used, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class IngestReport:
    """What a run found and did; `lines()` is the CLI's report, `to_json()` its `--json`."""

    knowledge_dir: str
    index_dir: str
    dry_run: bool
    embedding_model: str
    previous_version: str | None  # served before the run
    version: str | None  # served after the run (None for a dry run that would publish)
    new_version: bool  # a version was (or, in a dry run, would be) published
    pages_added: tuple[str, ...] = ()
    pages_changed: tuple[str, ...] = ()
    pages_removed: tuple[str, ...] = ()
    pages_unchanged: tuple[str, ...] = ()
    pages_kept_failed: tuple[str, ...] = ()  # bad now, served as last published (keep_going)
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_kept: int = 0
    chunks_embedded: int = 0  # texts embedded (or to embed, in a dry run)
    sentences_embedded: int = 0  # chunk sentences embedded for answering (or to embed)
    chunk_count: int = 0
    bad_files: tuple[BadFile, ...] = ()
    warnings: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    removed_versions: tuple[str, ...] = ()
    stopped: bool = False  # bad files stopped the publish; the index is unchanged
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.bad_files

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["bad_files"] = [str(b) for b in self.bad_files]
        data["ok"] = self.ok
        return data

    def lines(self) -> list[str]:
        """The human report, one line each."""
        out = [f"knowledge {self.knowledge_dir} -> index {self.index_dir} ({self.embedding_model})"]
        pages = [
            ("added", self.pages_added),
            ("changed", self.pages_changed),
            ("removed", self.pages_removed),
        ]
        out.append(
            "pages: "
            + ", ".join(f"{len(names)} {what}" for what, names in pages)
            + f", {len(self.pages_unchanged)} unchanged"
        )
        out += [f"  {what}: {_names(names)}" for what, names in pages if names]
        if self.pages_kept_failed:
            out.append(f"  kept as last published (bad now): {_names(self.pages_kept_failed)}")
        if not self.stopped:
            embedded = "to embed" if self.dry_run else "embedded"
            out.append(
                f"chunks: {self.chunks_added} added, {self.chunks_removed} removed, "
                f"{self.chunks_kept} kept ({self.chunks_embedded} {embedded}, "
                f"{self.chunk_count} in all); sentences: {self.sentences_embedded} {embedded}"
            )
        out += [f"warning: {w}" for w in self.warnings]
        if self.ignored:
            out.append(f"ignored (not pages): {_names(self.ignored)}")
        serving = self.previous_version or "nothing"
        if self.stopped:
            out.append(
                f"publish stopped by {len(self.bad_files)} bad file(s); still serving {serving}"
            )
        elif self.dry_run:
            verdict = "would publish a new version" if self.new_version else "no change"
            out.append(f"dry run: {verdict}; serving {serving}; nothing written")
        elif self.new_version:
            out.append(f"published {self.version} (previous: {serving})")
        else:
            out.append(f"no change, serving {self.version}")
        if self.removed_versions:
            out.append(f"removed: {_names(self.removed_versions)}")
        out.append(f"took {self.seconds:.2f} s")
        return out


def _names(names: tuple[str, ...], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
