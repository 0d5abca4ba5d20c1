"""Find the page files in the knowledge directory and turn each into a clean `Page`.

Markdown (.md, .markdown) and HTML (.html, .htm) may start with YAML front matter (`title`,
`url`, `updated` or `last_updated`); Markdown is rendered to HTML and shares the HTML path, so
hidden elements and image captions are dropped the same way. Plain text (.txt): the first
non-empty line is the title; a short line without end punctuation standing alone is a heading.

Files that are not pages are skipped and listed as ignored: hidden files and folders (a name
starting with "."), editor backups ("~" at the end) and README / LICENSE / CHANGELOG files.
Any other file with an unsupported extension is a bad file, so an editor notices it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.ingest.clean import Block, build_page, remove_invisible, strip_html
from bot.types import Page

MARKDOWN = (".md", ".markdown")
HTML = (".html", ".htm")
TEXT = (".txt",)
SUPPORTED = MARKDOWN + HTML + TEXT
IGNORED_STEMS = ("readme", "license", "licence", "changelog")
FRONT_MATTER_KEYS = ("title", "url", "updated", "last_updated")


class PageError(Exception):
    """A page file that cannot be used; `str()` is the one line the CLI prints."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class PageFile:
    """A candidate page: its stable id (`source`) and where it lives."""

    source: str  # file name without extension
    path: Path
    rel: str  # path relative to the knowledge directory, "/"-separated


def _is_ignored(name: str) -> bool:
    stem = name.split(".", 1)[0].lower()
    return name.startswith(".") or name.endswith("~") or stem in IGNORED_STEMS


def discover(knowledge_dir: Path) -> tuple[list[PageFile], list[PageError], list[str]]:
    """Page files in sorted order, bad files (unsupported, duplicate id) and ignored files."""
    files: list[PageFile] = []
    bad: list[PageError] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for folder, dirs, names in os.walk(knowledge_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            rel = path.relative_to(knowledge_dir).as_posix()
            if _is_ignored(name):
                ignored.append(rel)
                continue
            suffix = path.suffix.lower()
            if suffix not in SUPPORTED:
                what = f"'{suffix}'" if suffix else "no extension"
                bad.append(
                    PageError(
                        str(path), f"unsupported file type ({what}); pages are .md, .html or .txt"
                    )
                )
                continue
            source = path.stem
            if source in seen:
                bad.append(
                    PageError(str(path), f"same page id '{source}' as {seen[source]}; rename one")
                )
                continue
            seen[source] = rel
            files.append(PageFile(source, path, rel))
    return files, bad, ignored


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing (before reading) anything larger than `max_bytes`."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise PageError(str(path), f"{_mb(size)}, above the {_mb(max_bytes)} page size limit")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise PageError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise PageError(str(path), f"larger than the {_mb(max_bytes)} page size limit")
    return data


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text with invisible characters removed; binary or other encodings are refused."""
    if not data.strip():
        raise PageError(str(path), "empty file")
    if b"\x00" in data:
        raise PageError(str(path), "binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PageError(
            str(path),
            f"not UTF-8 text (bad byte 0x{data[exc.start]:02x} on line {line}); save as UTF-8",
        ) from None
    return remove_invisible(text)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$\n?", re.DOTALL | re.MULTILINE)


def split_front_matter(path: Path, text: str) -> tuple[dict[str, str], str, list[str]]:
    """(front matter fields as text, body, warnings); raises PageError when it is malformed."""
    if not re.match(r"---[ \t]*\n", text):
        return {}, text, []
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise PageError(str(path), "front matter is not closed (no second '---' line)")
    import yaml

    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" on line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise PageError(str(path), f"malformed front matter{where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PageError(str(path), "malformed front matter: expected 'key: value' lines")
    fields: dict[str, str] = {}
    warnings = []
    for key, value in data.items():
        if key not in FRONT_MATTER_KEYS:
            warnings.append(f"unknown front matter key {key!r} ignored")
            continue
        fields[str(key)] = _front_matter_value(path, str(key), value)
    return fields, text[match.end() :], warnings


def _front_matter_value(path: Path, key: str, value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise PageError(str(path), f"malformed front matter: {key!r} must be text")
    return str(value).strip()


def _html_blocks(html: str) -> tuple[str | None, str | None, list[Block], list[str]]:
    """(<title> or first h1, canonical URL, blocks in reading order, warnings)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    canonical = soup.find("link", rel="canonical")
    url = str(canonical.get("href") or "") if canonical else ""
    warnings = strip_html(soup)
    if not title and (h1 := soup.find("h1")) is not None:
        title = h1.get_text(" ", strip=True)
    root = soup.body or soup
    blocks: list[Block] = []
    _walk(root, blocks, [])
    return title or None, url or None, blocks, warnings


INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd"}
    | {"label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u"}
    | {"var", "wbr", "del", "ins"}
)
HEADING_TAGS = frozenset(f"h{n}" for n in range(1, 7))


def _walk(node: Any, blocks: list[Block], buffer: list[str]) -> None:
    """Browser-like layout: block elements end a paragraph, inline ones continue it."""
    from bs4 import NavigableString, Tag

    def flush() -> None:
        text = "".join(buffer).strip()
        buffer.clear()
        if text:
            blocks.append(Block("paragraph", text))

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a Doctype, CData, processing instruction
                buffer.append(re.sub(r"\s+", " ", str(child)))
        elif isinstance(child, Tag):
            if child.name == "br":
                buffer.append("\n")
            elif child.name in HEADING_TAGS:
                flush()
                blocks.append(Block("heading", child.get_text(" ", strip=True)))
            elif child.name == "pre":
                flush()
                blocks.append(Block("paragraph", child.get_text()))
            elif child.name in INLINE_TAGS and not child.find(_is_block):
                _walk(child, blocks, buffer)
            else:
                flush()
                _walk(child, blocks, buffer)
                flush()


def _is_block(tag: Any) -> bool:
    return tag.name not in INLINE_TAGS and tag.name != "br"


def _markdown_to_html(body: str) -> str:
    from markdown_it import MarkdownIt

    # breaks=True keeps each source line a line, so line rules (chrome, injection) see them.
    return MarkdownIt("commonmark", {"breaks": True, "html": True}).enable("table").render(body)


_TERMINAL = tuple(".!?:;,…)\"'”’")


def _text_blocks(body: str) -> tuple[str | None, list[Block]]:
    """Plain text: (first non-empty line as title, blocks); the title is also the first heading."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", body)]
    paragraphs = [p for p in paragraphs if p.strip()]
    if not paragraphs:
        return None, []
    first, *rest = paragraphs[0].split("\n", 1)
    title = first.strip()
    blocks = [Block("heading", title)]
    if rest:
        paragraphs[0] = rest[0]
    else:
        paragraphs.pop(0)
    for p in paragraphs:
        line = p.strip()
        heading = "\n" not in line and len(line) <= 80 and not line.endswith(_TERMINAL)
        blocks.append(Block("heading" if heading else "paragraph", p))
    return title, blocks


def parse_page(file: PageFile, data: bytes) -> Page:
    """Decode, parse and clean one page file; raises PageError with the reason."""
    text = decode(file.path, data)
    suffix = file.path.suffix.lower()
    fields: dict[str, str] = {}
    warnings: list[str] = []
    url: str | None = None
    if suffix in TEXT:
        title, blocks = _text_blocks(text)
    else:
        fields, body, warnings = split_front_matter(file.path, text)
        html = _markdown_to_html(body) if suffix in MARKDOWN else body
        title, url, blocks, hidden = _html_blocks(html)
        warnings += hidden
    title = fields.get("title") or title
    if not title:
        title = file.source
        warnings.append(
            "no title (add 'title:' front matter or a top heading); using the file name"
        )
    try:
        return build_page(
            source=file.source,
            path=file.rel,
            title=title,
            url=fields.get("url") or url,
            updated=fields.get("updated") or fields.get("last_updated"),
            blocks=blocks,
            warnings=warnings,
        )
    except ValueError as exc:
        raise PageError(str(file.path), str(exc)) from None


def load_page(file: PageFile, max_bytes: int) -> Page:
    """Read and parse one page file (the size limit is checked before reading)."""
    return parse_page(file, read_bytes(file.path, max_bytes))
