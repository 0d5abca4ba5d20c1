"""What the store hands out (plain frozen dataclasses, never ORM objects or open sessions), and
the appointment form it takes in, which the staff's view of a request extends."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from bot.types import QuotedSource

_View = TypeVar("_View")


def row_view(view_type: type[_View], row: Any, **computed: Any) -> _View:
    """A frozen view of an ORM row whose columns carry the view's field names: one copy rule for
    every view, so a field added to both sides cannot be forgotten in one converter.
    `computed` gives the fields that are not a plain column copy."""
    values = {
        f.name: computed[f.name] if f.name in computed else getattr(row, f.name)
        for f in fields(view_type)
    }
    return view_type(**values)


# A citation as the visitor saw it, as the log keeps it: the quote, not the whole passage.
StoredCitation = QuotedSource


@dataclass(frozen=True)
class MessageView:
    """One logged exchange: the (redacted) question and the reply exactly as shown."""

    id: int
    conversation_id: str
    created_at: datetime
    question: str
    answer: str
    kind: str
    citations: tuple[StoredCitation, ...]
    index_version: str
    latency_ms: int
    feedback: int | None
    feedback_at: datetime | None


@dataclass(frozen=True)
class AppointmentForm:
    """What the visitor typed into the in-chat appointment form (checked and cleaned by
    `bot.store.visitor.appointments`)."""

    name: str
    phone: str
    email: str
    preferred_time: str
    reason: str
    consent: bool


@dataclass(frozen=True)
class RequestView(AppointmentForm):
    """An appointment request in the staff queue: the form as sent, and where it stands."""

    id: int
    reference: str
    conversation_id: str | None
    status: str
    created_at: datetime
    updated_at: datetime
    staff_note: str


@dataclass(frozen=True)
class ConversationHead:
    """What the console's list and its transcript page both show of a conversation: when it
    ran, whether it had an emergency, and its review."""

    id: str
    session_id: str
    started_at: datetime
    last_at: datetime
    has_emergency: bool
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_note: str


@dataclass(frozen=True)
class ConversationSummary(ConversationHead):
    """One row of the console's conversation list."""

    message_count: int
    kinds: tuple[str, ...]  # distinct reply kinds, sorted
    thumbs_up: int
    thumbs_down: int
    needs_attention: bool  # an emergency not reviewed yet: listed first, highlighted
    first_question: str
    appointment_references: tuple[str, ...]


@dataclass(frozen=True)
class Transcript(ConversationHead):
    """A whole conversation as the visitor saw it, with its review state and requests."""

    messages: tuple[MessageView, ...]
    requests: tuple[RequestView, ...]


@dataclass(frozen=True)
class ExportRow:
    """One message per CSV line, with its conversation's review state."""

    conversation_id: str
    conversation_started_at: datetime
    message_id: int
    created_at: datetime
    kind: str
    question: str
    answer: str
    sources: str  # "[1] Title (page version)" joined with "; "
    index_version: str
    feedback: int | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_note: str


@dataclass(frozen=True)
class StaffView:
    """A staff account without its password hash."""

    id: int
    username: str
    role: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None
    session_generation: int  # sessions issued with another number are refused


@dataclass(frozen=True)
class AuditView:
    """One audit trail entry."""

    id: int
    at: datetime
    username: str
    action: str
    target_type: str
    target_id: str
    detail: str


@dataclass(frozen=True)
class PurgeCounts:
    """What a retention purge deleted (or, with dry_run, would delete)."""

    conversations: int
    messages: int
    appointment_requests: int
    new_requests_kept: int  # past retention but still 'new': kept until someone handles them
    conversation_cutoff: datetime
    appointment_cutoff: datetime
    dry_run: bool
