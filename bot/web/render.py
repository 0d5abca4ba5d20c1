"""Turn a Reply (and visitor text) into the small, escaped HTML fragments the chat shows.

Every string that came from a visitor or a clinic page goes through `html.escape`; the only
markup in the output is the fixed structure written here. The Chatbot is configured with
Markdown rendering off, so visitor text like `*x*` or `[a](javascript:...)` stays text too.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote, urlsplit

from bot.types import Citation, Reply

HANDOFF_KINDS = frozenset({"fallback", "refusal", "appointment"})
_MARKER = re.compile(r"\[(\d{1,2})\]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_PREVIEW_CHARS = 200


def text_html(text: str) -> str:
    """Plain text as HTML paragraphs: blank lines split paragraphs, single newlines become <br>."""
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def visitor_html(message: str) -> str:
    """A visitor's message as shown in their bubble: escaped, long ones shortened."""
    shown = message if len(message) <= _PREVIEW_CHARS else message[:_PREVIEW_CHARS] + "…"
    return f'<div class="visitor-text">{text_html(shown) or "<p></p>"}</div>'


def _answer_html(answer: str, citation_numbers: set[int]) -> str:
    """Escape the answer, then mark up the [n] markers that point at a listed source."""

    def marker(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in citation_numbers:
            return match.group(0)
        return f'<sup class="cite-marker" title="Source {n}">[{n}]</sup>'

    return _MARKER.sub(marker, text_html(answer))


def safe_href(citation: Citation) -> str:
    """The citation's link if it is http(s) or site-relative; else our read-only page view."""
    url = (citation.url or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return url
        if not parts.scheme and not parts.netloc and url.startswith("/"):
            return url
    # Relative to the app's <base href>, so it also works under a reverse-proxy root path.
    return f"knowledge/{quote(citation.source, safe='')}"


def sources_html(citations: tuple[Citation, ...]) -> str:
    """The collapsible "Sources" block: numbered titles linking out, each with its quote."""
    if not citations:
        return ""
    items = []
    for c in citations:
        href = escape(safe_href(c), quote=True)
        items.append(
            f'<li value="{c.n}"><a href="{href}" target="_blank" rel="noopener noreferrer">'
            f"{escape(c.title or c.source)}</a>"
            f"<blockquote>{escape(c.quote)}</blockquote></li>"
        )
    label = "Source" if len(citations) == 1 else f"Sources ({len(citations)})"
    return (
        f'<details class="sources"><summary>{label}</summary>'
        f'<ol class="source-list">{"".join(items)}</ol></details>'
    )


def reply_html(reply: Reply) -> str:
    """The bot bubble for one reply, styled by its kind."""
    numbers = {c.n for c in reply.citations}
    body = _answer_html(reply.answer, numbers)
    if reply.kind == "emergency":
        # role=alert so screen readers announce it; the responder puts 911/988 first.
        return (
            f'<div class="reply reply-emergency" role="alert">{body}'
            f"{sources_html(reply.citations)}</div>"
        )
    return f'<div class="reply reply-{reply.kind}">{body}{sources_html(reply.citations)}</div>'


def notice_html(text: str, kind: str = "notice") -> str:
    """A message from the app itself (limits, errors), not from the responder."""
    return f'<div class="reply reply-{escape(kind, quote=True)}">{text_html(text)}</div>'


def welcome_html(clinic_name: str, clinic_contact: str) -> str:
    """The opening message: what the assistant does, what it is not, and the emergency line."""
    contact = (
        f" You can also reach us directly: {escape(clinic_contact)}." if clinic_contact else ""
    )
    return (
        '<div class="reply reply-welcome">'
        f"<p><strong>Hi! I answer questions about {escape(clinic_name)}</strong>: "
        "our treatments and services, and how to request an appointment.</p>"
        "<p>I give general information from the clinic's own pages, with links to the source. "
        f"I can't give medical advice.{contact}</p>"
        '<p class="welcome-emergency"><strong>In an emergency call 911.</strong> '
        "For a mental-health crisis call or text 988.</p>"
        "</div>"
    )
