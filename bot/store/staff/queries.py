"""The staff console's read queries: conversation lists, transcripts, exports, requests, insights.

Functions of an open `Session` that return frozen views; `ChatLog` owns the transactions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, TypedDict

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from bot.localtime import local_date
from bot.store.errors import InvalidValue
from bot.store.models import REQUEST_STATUSES, AppointmentRequest, Conversation, Message
from bot.store.views import (
    ConversationSummary,
    ExportRow,
    MessageView,
    RequestView,
    StoredCitation,
    Transcript,
    row_view,
)
from bot.types import REPLY_KINDS

_IN_BATCH = 500  # ids per IN (...) list


@dataclass(frozen=True)
class Filters:
    """The console's conversation filters; see `ChatLog.list_conversations`."""

    start: datetime | None = None
    end: datetime | None = None
    kinds: frozenset[str] = frozenset()
    thumbs_down: bool = False
    unreviewed: bool = False
    text: str | None = None


class FilterArgs(TypedDict, total=False):
    """`Filters` as the store's keyword arguments (kinds as any set); all optional.

    `start`/`end`: conversations active in [start, end). `kinds`: with at least one reply
    of those kinds ("appointment" also matches conversations with an appointment
    request). `thumbs_down`: with a -1 feedback. `unreviewed`: not marked reviewed.
    `text`: case-insensitive substring of a question or answer.
    """

    start: datetime | None
    end: datetime | None
    kinds: set[str] | None
    thumbs_down: bool
    unreviewed: bool
    text: str | None


def filters_from(args: FilterArgs) -> Filters:
    """The `Filters` for the store's keyword arguments (an unknown one is a TypeError)."""
    return Filters(**{**args, "kinds": frozenset(args.get("kinds") or ())})


def check_status(status: str) -> str:
    """The status, or `InvalidValue` unless it is new/contacted/closed."""
    if status not in REQUEST_STATUSES:
        raise InvalidValue(f"invalid status {status!r}: use one of {', '.join(REQUEST_STATUSES)}")
    return status


def _filtered(filters: Filters) -> Select[Any]:
    c = Conversation
    query = select(c)
    if filters.start is not None:
        query = query.where(c.last_at >= filters.start)
    if filters.end is not None:
        query = query.where(c.started_at < filters.end)
    if filters.kinds:
        unknown = filters.kinds - set(REPLY_KINDS)
        if unknown:
            raise InvalidValue(
                f"unknown kind(s) {', '.join(sorted(unknown))}: use {', '.join(REPLY_KINDS)}"
            )
        matches: ColumnElement[bool] = exists().where(
            Message.conversation_id == c.id, Message.kind.in_(filters.kinds)
        )
        if "appointment" in filters.kinds:
            matches = or_(matches, exists().where(AppointmentRequest.conversation_id == c.id))
        query = query.where(matches)
    if filters.thumbs_down:
        query = query.where(exists().where(Message.conversation_id == c.id, Message.feedback == -1))
    if filters.unreviewed:
        query = query.where(c.reviewed_at.is_(None))
    if filters.text and filters.text.strip():
        pattern = "%" + _escape_like(filters.text.strip()) + "%"
        query = query.where(
            exists().where(
                Message.conversation_id == c.id,
                or_(
                    Message.question.ilike(pattern, escape="\\"),
                    Message.answer.ilike(pattern, escape="\\"),
                ),
            )
        )
    needs_attention = case((and_(c.has_emergency, c.reviewed_at.is_(None)), 0), else_=1)
    return query.order_by(needs_attention, c.last_at.desc(), c.id)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_conversations(
    session: Session, filters: Filters, *, limit: int, offset: int
) -> list[ConversationSummary]:
    """One page of conversation summaries in console order."""
    conversations = list(session.scalars(_filtered(filters).limit(limit).offset(max(offset, 0))))
    ids = [c.id for c in conversations]
    if not ids:
        return []
    counts = {
        row.conversation_id: row
        for row in session.execute(
            select(
                Message.conversation_id,
                func.count().label("n"),
                func.sum(case((Message.feedback == 1, 1), else_=0)).label("up"),
                func.sum(case((Message.feedback == -1, 1), else_=0)).label("down"),
                func.min(Message.id).label("first_id"),
            )
            .where(Message.conversation_id.in_(ids))
            .group_by(Message.conversation_id)
        )
    }
    kinds: dict[str, set[str]] = defaultdict(set)
    for conv_id, kind in session.execute(
        select(Message.conversation_id, Message.kind)
        .where(Message.conversation_id.in_(ids))
        .distinct()
    ):
        kinds[conv_id].add(kind)
    first_ids = [row.first_id for row in counts.values()]
    first_questions = {
        conv_id: question
        for conv_id, question in session.execute(
            select(Message.conversation_id, Message.question).where(Message.id.in_(first_ids))
        )
    }
    references: dict[str | None, list[str]] = defaultdict(list)
    for ref_conv_id, reference in session.execute(
        select(AppointmentRequest.conversation_id, AppointmentRequest.reference)
        .where(AppointmentRequest.conversation_id.in_(ids))
        .order_by(AppointmentRequest.id)
    ):
        references[ref_conv_id].append(reference)

    summaries = []
    for c in conversations:
        row = counts.get(c.id)
        summaries.append(
            row_view(
                ConversationSummary,
                c,
                message_count=row.n if row else 0,
                kinds=tuple(sorted(kinds[c.id])),
                thumbs_up=int(row.up or 0) if row else 0,
                thumbs_down=int(row.down or 0) if row else 0,
                needs_attention=c.has_emergency and c.reviewed_at is None,
                first_question=first_questions.get(c.id, ""),
                appointment_references=tuple(references[c.id]),
            )
        )
    return summaries


def message_view(m: Message) -> MessageView:
    """A logged message as a frozen view."""
    citations = tuple(
        StoredCitation(
            n=int(c.get("n", 0)),
            source=str(c.get("source", "")),
            title=str(c.get("title", "")),
            url=c.get("url"),
            quote=str(c.get("quote", "")),
            chunk_id=str(c.get("chunk_id", "")),
            page_version=str(c.get("page_version", "")),
        )
        for c in (m.citations or [])
    )
    return row_view(MessageView, m, citations=citations)


def request_view(r: AppointmentRequest) -> RequestView:
    """An appointment request as a frozen view."""
    return row_view(RequestView, r)


def transcript(session: Session, conv_id: str) -> Transcript | None:
    """The conversation with all its messages and appointment requests, or None."""
    c = session.get(Conversation, conv_id)
    if c is None:
        return None
    messages = session.scalars(
        select(Message).where(Message.conversation_id == conv_id).order_by(Message.id)
    )
    requests = session.scalars(
        select(AppointmentRequest)
        .where(AppointmentRequest.conversation_id == conv_id)
        .order_by(AppointmentRequest.id)
    )
    return row_view(
        Transcript,
        c,
        messages=tuple(message_view(m) for m in messages),
        requests=tuple(request_view(r) for r in requests),
    )


def export_rows(session: Session, filters: Filters, *, limit: int) -> list[ExportRow]:
    """One row per message of the (at most `limit`) conversations matching `filters`."""
    conversations = list(session.scalars(_filtered(filters).limit(limit)))
    rows: list[ExportRow] = []
    for start in range(0, len(conversations), _IN_BATCH):
        batch = {c.id: c for c in conversations[start : start + _IN_BATCH]}
        by_conversation: dict[str, list[Message]] = defaultdict(list)
        for m in session.scalars(
            select(Message).where(Message.conversation_id.in_(batch)).order_by(Message.id)
        ):
            by_conversation[m.conversation_id].append(m)
        for conv_id, c in batch.items():
            for m in by_conversation[conv_id]:
                sources = "; ".join(
                    f"[{x.get('n')}] {x.get('title', '')} ({x.get('page_version', '')})"
                    for x in (m.citations or [])
                )
                rows.append(
                    ExportRow(
                        conversation_id=c.id,
                        conversation_started_at=c.started_at,
                        message_id=m.id,
                        created_at=m.created_at,
                        kind=m.kind,
                        question=m.question,
                        answer=m.answer,
                        sources=sources,
                        index_version=m.index_version,
                        feedback=m.feedback,
                        reviewed_at=c.reviewed_at,
                        reviewed_by=c.reviewed_by,
                        review_note=c.review_note,
                    )
                )
    return rows


def list_requests(
    session: Session, status: str | None, *, limit: int, offset: int
) -> list[RequestView]:
    """Appointment requests in queue order (new, contacted, closed; newest first in each)."""
    r = AppointmentRequest
    order = case({s: i for i, s in enumerate(REQUEST_STATUSES)}, value=r.status, else_=99)
    query = select(r).order_by(order, r.created_at.desc(), r.id.desc())
    if status is not None:
        query = query.where(r.status == check_status(status))
    return [request_view(row) for row in session.scalars(query.limit(limit).offset(offset))]


# Replies are counted per quarter hour in SQL and the quarters are put on local days here:
# every time zone in use today is a whole number of quarter hours off UTC (India +5:30, Nepal
# +5:45 included), so local midnight always falls on a quarter-hour boundary and no quarter
# straddles two local days. Both backends compute the same integer, so they agree exactly.
QUARTER_S = 900


def _quarter(session: Session) -> Any:
    """SQL for the quarter hour of a message's time: whole seconds since the epoch // 900,
    an integer division on both backends (so equal quarters group together)."""
    if session.get_bind().dialect.name == "postgresql":
        seconds: Any = cast(func.floor(func.extract("epoch", Message.created_at)), BigInteger)
    else:
        # SQLite holds naive UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]"; strftime('%s') reads it
        # as UTC but rounds to the millisecond, so the fraction is cut off first (23:59:59.9995
        # must stay on its day).
        seconds = cast(func.strftime("%s", func.substr(Message.created_at, 1, 19)), Integer)
    return seconds // QUARTER_S


def stats_by_day(session: Session, since: datetime, zone: tzinfo) -> list[tuple[date, str, int]]:
    """(local day in `zone`, kind, count) of replies since `since`, by day then kind."""
    quarter = _quarter(session).label("quarter")
    rows = session.execute(
        select(quarter, Message.kind, func.count())
        .where(Message.created_at >= since)
        .group_by(quarter, Message.kind)
    )
    counts: Counter[tuple[date, str]] = Counter()
    for q, kind, n in rows:
        moment = datetime.fromtimestamp(int(q) * QUARTER_S, UTC)
        counts[(local_date(moment, zone), kind)] += int(n)
    return [(day, kind, n) for (day, kind), n in sorted(counts.items())]


def top_questions(session: Session, limit: int, since: datetime | None) -> list[tuple[str, int]]:
    """The most frequent questions (case and outer spaces ignored), most asked first."""
    key = func.lower(func.trim(Message.question))
    query = select(func.min(Message.question), func.count().label("n")).group_by(key)
    if since is not None:
        query = query.where(Message.created_at >= since)
    query = query.order_by(func.count().desc(), func.min(Message.question)).limit(limit)
    return [(q, int(n)) for q, n in session.execute(query)]


def fallback_questions(session: Session, limit: int, since: datetime | None) -> list[str]:
    """Questions answered with a fallback, newest first."""
    query = select(Message.question).where(Message.kind == "fallback")
    if since is not None:
        query = query.where(Message.created_at >= since)
    query = query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    return list(session.scalars(query))
