"""Cleaning rules as data: site chrome, hidden HTML, invisible characters, text aimed at the bot.

Loaders (`load.py`) turn a file into `Block`s (headings and paragraphs, lines kept); `build_page`
applies the rules here line by line and assembles the `Page` whose `text` every chunk is cut from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.types import Page

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

# Whole lines (compared case-insensitively, whitespace collapsed) that are site furniture, not
# content. Add a row when a saved page brings a new button or widget label.
CHROME_LINES: tuple[str, ...] = (
    "Share Post:",
    "Share Post",
    "Share this",
    "Share this:",
    "Share this post",
    "Share:",
    "Share on Facebook",
    "Share on Twitter",
    "Share on LinkedIn",
    "Request An Appointment",
    "Request an Appointment Today",
    "Book an Appointment",
    "Book Now",
    "Schedule a Consultation",
    "Call Now",
    "Read more",
    "Read more »",
    "Continue reading",
    "Learn more",
    "Back to top",
    "Skip to content",
    "Skip to main content",
    "Toggle navigation",
    "Menu",
    "Search",
    "Previous Post",
    "Next Post",
    "Leave a comment",
    "Related Posts",
    "Print",
    "Tweet",
    "Facebook",
    "Twitter",
    "LinkedIn",
    "Pinterest",
    "Instagram",
    "Email",
)
_CHROME = frozenset(" ".join(line.split()).casefold() for line in CHROME_LINES)

# A Markdown image on a line of its own is a picture's caption, not content.
IMAGE_LINE = re.compile(r"^!\[[^\]]*\]\([^)]*\)$")

# Text in a page that addresses the bot rather than the reader. A matching line is dropped and
# reported, so page content can never instruct the bot (editors see it in the ingest report).
INJECTION_PATTERNS: tuple[str, ...] = (
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(of\s+)?(the\s+|your\s+|my\s+)?"
    r"(previous|prior|above|earlier|preceding|system|original|existing)\s+"
    r"(instructions?|prompts?|rules|directions|guidelines|messages?)\b",
    r"\b(ignore|disregard)\s+(all|everything)\s+(you were told|above|before)\b",
    r"\bsystem prompt\b",
    r"\byou are now (an?|the|my)\s+(\w+\s+){0,2}"
    r"(ai|assistant|bot|chatbot|model|agent|character|persona)\b",
    r"\byou are now (free|unrestricted|jailbroken|no longer bound|in \w+ mode)\b",
    r"\bfrom now on,? (you|the assistant|the bot) (are|will|must|should)\b",
    r"\b(new|updated|hidden) instructions?\s*:",
    r"\b(act|behave|respond) as (an? |the )?(unrestricted|jailbroken|different)\b",
    r"\b(developer|jailbreak|dan) mode\b",
    r"\b(assistant|chatbot|ai|bot|llm)\s*[,:]\s*(you must|always|never|ignore|do not)\b",
    r"<\|?(im_start|im_end|system|endoftext)\|?>",
    r"\[/?(inst|sys)\]",
)
_INJECTION = re.compile("|".join(f"(?:{p})" for p in INJECTION_PATTERNS), re.IGNORECASE)

# HTML elements that never hold page content.
DROP_TAGS: tuple[str, ...] = (
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "noscript",
    "template",
    "iframe",
    "figcaption",
    "button",
    "select",
    "svg",
    "canvas",
    "dialog",
    "head",
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# Characters that render as nothing (zero-width spaces and joiners, bidi controls, soft hyphen,
# BOM): Unicode category Cf, plus control characters other than newline and tab.
_KEEP_CONTROLS = {"\n", "\t"}


@dataclass(frozen=True)
class Block:
    """A heading or a paragraph as a loader found it; `text` may hold several lines."""

    kind: Literal["heading", "paragraph"]
    text: str


def remove_invisible(text: str) -> str:
    """Drop invisible format and control characters; normalise line ends and no-break spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        " " if ch in "\t\u00a0" else ch
        for ch in text
        if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in ("Cf", "Cc")
    )


def is_chrome(line: str) -> bool:
    """A whole line that is site furniture (see `CHROME_LINES`) or an image caption."""
    line = " ".join(line.split())
    return line.casefold() in _CHROME or bool(IMAGE_LINE.match(line))


def looks_like_injection(line: str) -> bool:
    """Text that talks to the bot instead of the reader (see `INJECTION_PATTERNS`)."""
    return bool(_INJECTION.search(line))


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_hidden(tag: object) -> bool:
    attrs = getattr(tag, "attrs", None)
    if not attrs:
        return False
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).strip().lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(str(attrs.get("style", ""))))


def strip_html(soup: BeautifulSoup) -> list[str]:
    """Remove non-content elements from `soup` in place; return warnings for hidden text."""
    from bs4 import Comment

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    hidden = [tag for tag in soup.find_all(_is_hidden)]
    warnings = []
    for tag in hidden:
        if tag.decomposed:  # inside another hidden element already removed
            continue
        text = tag.get_text(" ", strip=True)
        if len(text) >= 20 or looks_like_injection(text):  # not every hidden icon label
            warnings.append(f"dropped hidden text: {_snippet(text)!r}")
        tag.decompose()
    return warnings


def _clean_lines(text: str, warnings: list[str]) -> list[str]:
    lines = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line or is_chrome(line):
            continue
        if looks_like_injection(line):
            warnings.append(f"dropped text that addresses the bot: {_snippet(line)!r}")
            continue
        lines.append(line)
    return lines


def page_version(title: str, url: str | None, updated: str | None, text: str) -> str:
    """Short content hash of everything a reader of the page sees."""
    data = "\x00".join((title, url or "", updated or "", text))
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def build_page(
    *,
    source: str,
    path: str,
    title: str,
    url: str | None,
    updated: str | None,
    blocks: Iterable[Block],
    warnings: Iterable[str] = (),
) -> Page:
    """Apply the line rules to `blocks` and lay them out as `Page.text` (blank-line separated).

    Headings are part of `text` (their spans are in `Page.headings`) so offsets stay simple, but
    chunks never include them. Raises ValueError when no paragraph is left.
    """
    notes = list(warnings)
    parts: list[str] = []
    headings: list[tuple[int, int, str]] = []
    offset = 0
    paragraphs = 0
    for block in blocks:
        lines = _clean_lines(remove_invisible(block.text), notes)
        if not lines:
            continue
        text = " ".join(lines) if block.kind == "heading" else "\n".join(lines)
        start = offset + (2 if parts else 0)
        if block.kind == "heading":
            headings.append((start, start + len(text), text))
        else:
            paragraphs += 1
        parts.append(text)
        offset = start + len(text)
    if not paragraphs:
        raise ValueError("no content left after removing site chrome (empty page?)")
    page_text = "\n\n".join(parts)
    title = " ".join(remove_invisible(title).split())
    if looks_like_injection(title):
        raise ValueError(f"the title addresses the bot: {_snippet(title)!r}")
    return Page(
        source=source,
        title=title,
        text=page_text,
        version=page_version(title, url, updated, page_text),
        url=url,
        updated=updated,
        path=path,
        headings=tuple(headings),
        warnings=tuple(notes),
    )
