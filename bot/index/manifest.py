"""A version's manifest, typed: what the version holds, validated when it is read.

Publishing writes it last (a version with a valid manifest is complete); serving, verification,
rollback, the next ingest and the staff console read it. Only `bot.index` opens the file;
everything else gets a `Manifest` and reads its attributes. Validation is pydantic's: a file
that is not JSON, or lacks a field or has one of the wrong type, is `IndexCorrupt`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

# 1: the first layout; 2: sentences.jsonl + sentence_vectors.npy; 3: vectors.npy + encoder/.
# Older versions stay readable: what they lack is optional below.
SCHEMA_VERSION = 3
MANIFEST = "manifest.json"


class _Entry(BaseModel):
    # Frozen: a manifest describes files that never change. Unknown keys are ignored, so a
    # version written by newer code still opens.
    model_config = ConfigDict(frozen=True, extra="ignore")


class PageEntry(_Entry):
    """One page of the version: which file it came from, its version and its chunks."""

    version: str
    title: str = ""
    path: str
    url: str | None = None
    updated: str | None = None
    file_sha256: str
    chunk_ids: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class SentencesEntry(_Entry):
    """The stored sentence spans and vectors (bot.sentences): the splitter that cut them."""

    splitter: str
    sentences: int
    distinct: int
    dtype: str


class EncoderEntry(_Entry):
    """The version's ONNX query encoder: its files' sha256, one hash over them, model name."""

    files: dict[str, str]
    sha256: str
    name: str
    dimension: int


class ChromaBuild(_Entry):
    """How the Chroma collection was built: from scratch (`base` None) or as a copy of `base`
    plus the change, and the change since the last build from scratch."""

    hnsw: dict[str, Any]
    base: str | None = None
    churn: int = 0


class Manifest(_Entry):
    """What a version holds. `records`: sha256 of each record file (pages.jsonl, chunks.jsonl,
    vectors.npy, sentence files); `chroma_files`: the Chroma directory's files."""

    format: int = 1
    version: str
    parent: str | None = None
    created_at: str = ""
    embedding_model: str
    dimension: int = 0
    code: str | None = None
    content_hash: str | None = None
    pages: dict[str, PageEntry]
    chunk_ids: tuple[str, ...]
    sentences: SentencesEntry | None = None
    records: dict[str, str] = {}
    encoder: EncoderEntry | None = None
    chroma_build: ChromaBuild | None = None
    chroma_files: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The file's text (indented, UTF-8 kept), as `load` reads it back."""
        return json.dumps(self.model_dump(mode="json"), indent=1, ensure_ascii=False)


class ManifestError(ValueError):
    """The manifest file is missing, unreadable or not a manifest; the message says which."""


def load(version_dir: Path) -> Manifest:
    """The manifest of `version_dir`, validated (its files are not checked here)."""
    path = version_dir / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path} is missing") from None
    except (OSError, UnicodeDecodeError) as exc:  # a damaged file is not even UTF-8
        raise ManifestError(f"{path} is unreadable: {exc}") from None
    try:
        return Manifest.model_validate_json(text)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ManifestError(f"{path} is unreadable: not JSON") from None
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        raise ManifestError(
            f"{path} is damaged: not a manifest (fields missing or wrong: {', '.join(fields)})"
        ) from None


def write(version_dir: Path, manifest: Manifest) -> None:
    """Write the manifest into `version_dir` (the last file of a version being built)."""
    (version_dir / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
