"""Cut a page into chunks that follow its structure (pure: a function of the `Page` only).

A chunk is one paragraph; or several short consecutive paragraphs of the same section merged up
to `MERGE_CHARS`; or, for a paragraph longer than `MAX_CHARS`, a run of its sentences
up to `MAX_CHARS`. A chunk never crosses a heading and never includes one; its `text` is always
`page.text[start:end]`, so an answer can quote it verbatim and point at where it is.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator

from bot.sentences import sentence_spans
from bot.types import Chunk, Page

MERGE_CHARS = 500
MAX_CHARS = 600

_PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")  # maximal run of non-empty lines


def chunk_id(source: str, n: int, text: str) -> str:
    """Stable id: the page, the text, and which repeat of that text on the page (from 0)."""
    return hashlib.sha256(f"{source}\x00{n}\x00{text}".encode()).hexdigest()[:16]


def chunk_page(page: Page) -> list[Chunk]:
    """The page's chunks in reading order."""
    chunks: list[Chunk] = []
    seen: Counter[str] = Counter()
    for start, end, section in _spans(page):
        text = page.text[start:end]
        chunks.append(
            Chunk(
                chunk_id=chunk_id(page.source, seen[text], text),
                source=page.source,
                title=page.title,
                section=section,
                text=text,
                start=start,
                end=end,
                page_version=page.version,
                url=page.url,
            )
        )
        seen[text] += 1
    return chunks


def _sections(page: Page) -> Iterator[tuple[int, int, str]]:
    """(start, end, heading) of the text between headings; "" before the first heading."""
    position, heading = 0, ""
    for h_start, h_end, h_text in page.headings:
        yield position, h_start, heading
        position, heading = h_end, h_text
    yield position, len(page.text), heading


def _spans(page: Page) -> Iterator[tuple[int, int, str]]:
    for sec_start, sec_end, heading in _sections(page):
        group: tuple[int, int] | None = None
        for match in _PARAGRAPH.finditer(page.text, sec_start, sec_end):
            start, end = match.span()
            if end - start > MAX_CHARS:
                if group:
                    yield (*group, heading)
                    group = None
                for s, e in _split_sentences(page.text, start, end):
                    yield s, e, heading
            elif group and end - group[0] <= MERGE_CHARS:
                group = (group[0], end)
            else:
                if group:
                    yield (*group, heading)
                group = (start, end)
        if group:
            yield (*group, heading)


def _sentence_bounds(text: str, start: int, end: int) -> list[int]:
    """Offsets in `text` where a sentence of text[start:end] starts, plus `end`: the one
    sentence splitter (bot.sentences), so chunks and the stored sentence spans agree."""
    bounds = [start]
    for sentence_start, _ in sentence_spans(text[start:end]):
        if sentence_start > 0 and start + sentence_start > bounds[-1]:
            bounds.append(start + sentence_start)
    bounds.append(end)
    return bounds


def _split_sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Runs of whole sentences up to MAX_CHARS; an over-long sentence is cut at spaces."""
    bounds = _sentence_bounds(text, start, end)
    piece_start = start
    for i in range(1, len(bounds)):
        if bounds[i] - piece_start <= MAX_CHARS or bounds[i - 1] == piece_start:
            continue
        yield from _cut_long(text, piece_start, bounds[i - 1])
        piece_start = bounds[i - 1]
    yield from _cut_long(text, piece_start, end)


def _cut_long(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """text[start:end] without surrounding whitespace, cut at the last space if too long."""
    while True:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start <= MAX_CHARS:
            break
        window = text[start : start + MAX_CHARS + 1]
        cut = max(window.rfind(" "), window.rfind("\n"))
        cut = start + (cut if cut > 0 else MAX_CHARS)  # no space at all: cut the word
        yield from _cut_long(text, start, cut)
        start = cut
    if end > start:
        yield start, end
