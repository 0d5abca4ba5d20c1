"""Turn a Reply (and visitor text) into the small, escaped HTML fragments the chat shows.

Every string that came from a visitor or a clinic page goes through `html.escape`; the only
markup in the output is the fixed structure written here. The Chatbot is configured with
Markdown rendering off, so visitor text like `*x*` or `[a](javascript:...)` stays text too.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote, urlsplit

from bot.clinic import ClinicContact
from bot.links import phone_links
from bot.triage.replies import variants
from bot.types import Citation, Reply

HANDOFF_KINDS = frozenset({"fallback", "refusal", "appointment"})
_MARKER = re.compile(r"\[(\d{1,2})\]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_PREVIEW_CHARS = 200


def linked_html(text: str, clinic_phone: str = "") -> str:
    """Escaped text whose emergency and clinic numbers are tap-to-call links (988 also sms:).

    Only for the assistant's own words: a visitor's message is never linked.
    """
    out: list[str] = []
    at = 0
    for link in phone_links(text, clinic_phone):
        out.append(escape(text[at : link.start]))
        shown = escape(link.text)
        out.append(f'<a class="tel" href="{escape(link.tel, quote=True)}">{shown}</a>')
        if link.sms:
            out.append(
                f' <a class="sms" href="{escape(link.sms, quote=True)}" '
                f'aria-label="Text {shown}">(send a text)</a>'
            )
        at = link.end
    out.append(escape(text[at:]))
    return "".join(out)


def text_html(text: str, clinic_phone: str | None = None) -> str:
    """Plain text as HTML paragraphs: blank lines split paragraphs, single newlines become <br>.

    With `clinic_phone` (the assistant's words: "" if the clinic has none) numbers become links.
    """
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]

    def body(p: str) -> str:
        return escape(p) if clinic_phone is None else linked_html(p, clinic_phone)

    return "".join(f"<p>{body(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def visitor_html(message: str) -> str:
    """A visitor's message as shown in their bubble: escaped, long ones shortened."""
    shown = message if len(message) <= _PREVIEW_CHARS else message[:_PREVIEW_CHARS] + "…"
    return f'<div class="visitor-text">{text_html(shown) or "<p></p>"}</div>'


def _answer_html(answer: str, citation_numbers: set[int], clinic_phone: str) -> str:
    """Escape the answer, then mark up the [n] markers that point at a listed source."""

    def marker(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in citation_numbers:
            return match.group(0)
        return f'<sup class="cite-marker" title="Source {n}">[{n}]</sup>'

    return _MARKER.sub(marker, text_html(answer, clinic_phone))


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


def _split_reminder(answer: str) -> tuple[str, str]:
    """(the answer, its closing "not medical advice" reminder or "")."""
    text = answer.rstrip()
    for reminder in variants("reminder"):
        if text.endswith(reminder):
            return text[: -len(reminder)].rstrip(), reminder
    return answer, ""


def reply_html(reply: Reply, clinic_phone: str = "") -> str:
    """The bot bubble for one reply, styled by its kind; phone numbers are links.

    The once-per-conversation reminder (the responder decides when) is one small line.
    """
    numbers = {c.n for c in reply.citations}
    answer, reminder = _split_reminder(reply.answer)
    body = _answer_html(answer, numbers, clinic_phone)
    if reminder:
        body += f'<p class="reminder">{escape(reminder)}</p>'
    if reply.kind == "emergency":
        # role=alert so screen readers announce it; the responder puts 911/988 first.
        return (
            f'<div class="reply reply-emergency" role="alert">{body}'
            f"{sources_html(reply.citations)}</div>"
        )
    return f'<div class="reply reply-{reply.kind}">{body}{sources_html(reply.citations)}</div>'


def notice_html(text: str, kind: str = "notice", clinic_phone: str = "") -> str:
    """A message from the app itself (limits, errors), not from the responder."""
    body = text_html(text, clinic_phone)
    return f'<div class="reply reply-{escape(kind, quote=True)}">{body}</div>'


def contact_html(clinic: ClinicContact) -> str:
    """The clinic's published details as HTML: the phone a tel: link, the hours a link."""
    parts = []
    if clinic.phone:
        parts.append(f"call {linked_html(clinic.phone, clinic.phone)}")
    if clinic.address:
        parts.append(escape(clinic.address))
    if clinic.hours_url:
        href = escape(clinic.hours_url, quote=True)
        parts.append(
            f'<a href="{href}" target="_blank" rel="noopener noreferrer">opening hours</a>'
        )
    return "; ".join(parts)


def emergency_line_html() -> str:
    """The one-line safety net under the chat: tappable numbers, general information only."""
    return (
        '<p class="emergency-line"><strong>Emergency? Call '
        f"{linked_html('911')}.</strong> Crisis: call or text {linked_html('988')}. "
        "General information only, not medical advice.</p>"
    )


def welcome_html(clinic: ClinicContact) -> str:
    """The opening message: what the assistant does, what it is not, and the emergency line."""
    contact = contact_html(clinic)
    reach = f" You can also reach us directly: {contact}." if contact else ""
    return (
        '<div class="reply reply-welcome">'
        f"<p><strong>Hi! I answer questions about {escape(clinic.name)}</strong>: "
        "our treatments and services, and how to request an appointment.</p>"
        "<p>I give general information from the clinic's own pages, with links to the source. "
        f"I can't give medical advice.{reach}</p>"
        '<p class="welcome-emergency"><strong>In an emergency call '
        f"{linked_html('911')}.</strong> "
        f"For a mental-health crisis call or text {linked_html('988')}.</p>"
        "</div>"
    )
