"""An editor's page change made in the browser: staged, previewed, then published by ingest.

The browser path is the command line's path: the draft is checked by the same loader
(`bot.ingest.load`), the preview is `pipeline.plan` on a copy of the knowledge directory with
the draft in place, and publishing writes the file into the knowledge directory (atomically)
and runs `pipeline.publish`, with its validation and atomic switch. If that publish stops on a
bad page, the knowledge directory is put back as it was. The preview also shows, per page, the
sentences a publish would add and remove.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.ingest import load
from bot.ingest.load import PageError, PageFile
from bot.sentences import sentence_spans

DRAFTS = "editor-drafts"  # under data_dir: one draft per editor
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


class DraftError(ValueError):
    """A draft that cannot be staged or published; the message says what to fix."""


@dataclass(frozen=True)
class PageDiff:
    """What a publish would change in one page, sentence by sentence."""

    source: str
    title: str
    status: str  # "added", "changed" or "removed"
    added: tuple[str, ...]
    removed: tuple[str, ...]


def check_name(filename: str) -> str:
    """A page file name the ingest accepts: one name, a page extension, not an ignored file."""
    name = Path(filename.replace("\\", "/")).name.strip()
    if not name or not _NAME.match(name):
        raise DraftError("Use a file name of letters, digits, '-', '_' and '.', e.g. parking.md.")
    if Path(name).suffix.lower() not in load.SUPPORTED:
        raise DraftError("Pages are .md, .html or .txt files.")
    if load._is_ignored(name):
        raise DraftError(f"{name} would be ignored by the ingest (README, LICENSE...); rename it.")
    return name


def sentences(text: str) -> list[str]:
    """The sentences of a page's cleaned text, white space normalised."""
    return [" ".join(text[s:e].split()) for s, e in sentence_spans(text)]


def sentence_diff(old: str, new: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(added, removed) sentences from `old` to `new`, in page order."""
    a, b = sentences(old), sentences(new)
    added: list[str] = []
    removed: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            removed += a[i1:i2]
        if op in ("replace", "insert"):
            added += b[j1:j2]
    return tuple(added), tuple(removed)


# --- the draft on disk ----------------------------------------------------------------------


def _user_dir(drafts_dir: Path, username: str) -> Path:
    return drafts_dir / re.sub(r"[^a-z0-9_.-]", "_", username.lower())


def stage(drafts_dir: Path, username: str, filename: str, data: bytes, max_bytes: int) -> Path:
    """Keep `data` as the editor's draft (replacing any earlier one); checked like ingest."""
    name = check_name(filename)
    if len(data) > max_bytes:
        raise DraftError(
            f"The page is {len(data) / 1e6:.1f} MB, above the {max_bytes / 1e6:.1f} MB limit."
        )
    folder = _user_dir(drafts_dir, username)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(data)
    try:
        parse(path, path.name)
    except PageError as exc:
        shutil.rmtree(folder)
        raise DraftError(exc.reason) from None
    return path


def current_draft(drafts_dir: Path, username: str) -> Path | None:
    """The editor's staged page file, if any."""
    folder = _user_dir(drafts_dir, username)
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    return files[0] if files else None


def discard(drafts_dir: Path, username: str) -> None:
    shutil.rmtree(_user_dir(drafts_dir, username), ignore_errors=True)


def parse(path: Path, rel: str) -> Any:
    """The cleaned Page of one file, exactly as the ingest reads it."""
    return load.parse_page(PageFile(Path(rel).stem, path, rel), path.read_bytes())


def placement(knowledge_dir: Path, name: str) -> tuple[Path, list[Path]]:
    """Where the draft goes in `knowledge_dir`, and the files of the same page it replaces
    (a page keeps its folder; another extension of the same page id is removed)."""
    stem = Path(name).stem
    files, _bad, _ignored = load.discover(knowledge_dir)
    same = [f.path for f in files if f.source == stem]
    folder = same[0].parent if same else knowledge_dir
    return folder / name, same


@contextmanager
def preview_tree(knowledge_dir: Path, draft: Path) -> Iterator[Path]:
    """A temporary copy of the knowledge directory with the draft in place."""
    with tempfile.TemporaryDirectory(prefix="clinicbot-preview-") as tmp:
        copy = Path(tmp) / "knowledge"
        shutil.copytree(knowledge_dir, copy, symlinks=False)
        target, replaced = placement(copy, draft.name)
        for old in replaced:
            old.unlink()
        shutil.copyfile(draft, target)
        yield copy


def page_diffs(
    knowledge_dir: Path, report: Any, served_text: Callable[[str], dict[str, Any] | None]
) -> list[PageDiff]:
    """The sentence diff of every page the report adds, changes or removes.

    `served_text(source)` gives the served page record (title, text) or None.
    """
    files = {f.source: f for f in load.discover(knowledge_dir)[0]}
    diffs: list[PageDiff] = []
    for status, sources in (
        ("added", report.pages_added),
        ("changed", report.pages_changed),
        ("removed", report.pages_removed),
    ):
        for source in sources:
            old = served_text(source) or {}
            new_text, title = "", str(old.get("title") or source)
            if status != "removed" and source in files:
                try:
                    page = parse(files[source].path, files[source].rel)
                except PageError:
                    continue  # listed among the report's bad files already
                new_text, title = page.text, page.title
            added, removed = sentence_diff(str(old.get("text") or ""), new_text)
            diffs.append(PageDiff(source, title, status, added, removed))
    return diffs


def install(knowledge_dir: Path, draft: Path) -> Callable[[], None]:
    """Put the draft into `knowledge_dir` atomically; returns what undoes it."""
    target, replaced = placement(knowledge_dir, draft.name)
    saved = {path: path.read_bytes() for path in replaced}
    tmp = target.with_name(f".{target.name}.editor-tmp")
    shutil.copyfile(draft, tmp)
    os.replace(tmp, target)  # the ingest never sees half a file
    for path in replaced:
        if path != target:
            path.unlink()

    def undo() -> None:
        if target not in saved:
            target.unlink(missing_ok=True)
        for path, data in saved.items():
            back = path.with_name(f".{path.name}.editor-tmp")
            back.write_bytes(data)
            os.replace(back, path)

    return undo
