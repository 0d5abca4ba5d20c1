"""The records shared by ingest, answering, the app and the tools (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.links import phone_links

ReplyKind = Literal["answer", "fallback", "refusal", "emergency", "appointment"]
REPLY_KINDS: tuple[ReplyKind, ...] = ("answer", "fallback", "refusal", "emergency", "appointment")


@dataclass(frozen=True)
class Page:
    """One clinic page after loading and cleaning: `text` is what chunks and quotes are cut from."""

    source: str  # file name without extension: the page's stable id
    title: str
    text: str  # cleaned content, chrome removed; every chunk is a span of it
    version: str  # content hash of `text` + metadata
    url: str | None = None
    updated: str | None = None  # last-updated date from front matter, as written
    path: str = ""  # file path relative to the knowledge directory
    # (start, end, heading text) of each section heading inside `text`
    headings: tuple[tuple[int, int, str], ...] = ()
    warnings: tuple[str, ...] = ()  # e.g. hidden text or injection-looking content that was dropped


@dataclass(frozen=True)
class Chunk:
    """A passage of a page, small enough that a citation points at what answers."""

    chunk_id: str  # stable: derived from source and content
    source: str
    title: str
    section: str
    text: str  # == page.text[start:end]
    start: int
    end: int
    page_version: str
    url: str | None = None


@dataclass(frozen=True)
class Retrieved:
    """One ranked passage, as reported in `--json` output."""

    source: str
    chunk_id: str
    score: float
    text: str


@dataclass(frozen=True)
class QuotedSource:
    """What every citation says, shown or logged: its number, the page, the verbatim quote and
    the chunk and page version it came from. The log keeps exactly this (the store's
    `StoredCitation`); `Citation`, under an answer, adds the whole passage."""

    n: int
    source: str
    title: str
    url: str | None
    quote: str  # verbatim sentence(s) of the page
    # Which chunk and page version the quote came from (keyword-only, so `Citation` can add
    # its passage after them as the sixth positional field).
    chunk_id: str = field(default="", kw_only=True)
    page_version: str = field(default="", kw_only=True)


@dataclass(frozen=True)
class Citation(QuotedSource):
    """A numbered source under an answer: the verbatim quote, its passage and where to read it."""

    passage: str  # the whole cited chunk


@dataclass(frozen=True)
class Reply:
    """Everything the visitor is shown for one message, plus what produced it."""

    question: str
    kind: ReplyKind
    answer: str
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[Retrieved, ...] = ()
    latency_ms: float = 0.0
    index_version: str = ""
    notes: tuple[str, ...] = field(default=())  # internal reasons (rule names), never shown

    def to_json(self) -> dict[str, Any]:
        """The JSON object `bot.ask --json` prints (field names are a public contract)."""
        data = asdict(self)
        data["citations"] = [
            {k: c[k] for k in ("n", "source", "title", "url", "quote", "passage")}
            for c in data["citations"]
        ]
        data["retrieved"] = list(data["retrieved"])
        data["links"] = [link for found in phone_links(self.answer) for link in found.to_json()]
        data.pop("notes")
        return data
