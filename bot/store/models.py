"""The tables: conversations, messages, appointment requests, staff users, audit events.

SQLAlchemy 2 typed declarative models. These are the store's private shape: the rest of the
app sees the frozen dataclasses of `bot.store.views`. Every timestamp is timezone-aware UTC
(`UTCDateTime`), whichever backend holds it. The schema itself is created and changed only by
the Alembic migrations in `bot/store/migrations/`; a test checks the two agree.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.types import REPLY_KINDS

CONVERSATION_ID_LENGTH = 32  # uuid4().hex
SESSION_ID_MAX = 64
USERNAME_MAX = 64
REQUEST_KEY_MAX = 64
REQUEST_STATUSES = ("new", "contacted", "closed")
STAFF_ROLES = ("staff", "editor")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the store's default clock)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones, so values are stored as naive UTC
    and given back their zone when read. Naive datetimes are refused: they are always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store needs timezone-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Conversation(Base):
    """One visitor session's exchange with the bot, and its review state."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(CONVERSATION_ID_LENGTH), primary_key=True)
    # The anonymous random id the web layer gives a visitor session; one conversation each.
    session_id: Mapped[str] = mapped_column(String(SESSION_ID_MAX), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    has_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(USERNAME_MAX))
    review_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index(None, "last_at"),
        Index(None, "started_at"),
        # The console's default order: unreviewed emergencies first, then the newest.
        Index(None, "has_emergency", "reviewed_at", "last_at"),
    )


class Message(Base):
    """One visitor question and the reply shown for it."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(CONVERSATION_ID_LENGTH), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    question: Mapped[str] = mapped_column(Text)  # redacted before it gets here
    answer: Mapped[str] = mapped_column(Text)  # exactly the text shown
    kind: Mapped[str] = mapped_column(String(16))
    # [{n, source, title, url, quote, chunk_id, page_version}, ...]
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    index_version: Mapped[str] = mapped_column(String(64), default="")
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    feedback: Mapped[int | None] = mapped_column(SmallInteger)  # -1, 0 (withdrawn), +1
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(f"kind IN ({_quoted(REPLY_KINDS)})", name="kind"),
        CheckConstraint("feedback IS NULL OR feedback IN (-1, 0, 1)", name="feedback"),
        Index(None, "conversation_id", "created_at"),
        Index(None, "created_at", "kind"),
        Index(None, "kind", "created_at"),
        Index(None, "feedback"),
    )


class AppointmentRequest(Base):
    """A visitor's request to be contacted, with the details they consented to share."""

    __tablename__ = "appointment_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. APT-7K3M9Q
    conversation_id: Mapped[str | None] = mapped_column(
        String(CONVERSATION_ID_LENGTH), ForeignKey("conversations.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    preferred_time: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    consent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_note: Mapped[str] = mapped_column(Text, default="")
    # the one-time key of the form that sent it: a retried submission finds this row
    request_key: Mapped[str | None] = mapped_column(String(REQUEST_KEY_MAX))

    __table_args__ = (
        CheckConstraint(f"status IN ({_quoted(REQUEST_STATUSES)})", name="status"),
        Index(None, "request_key", unique=True),
        Index(None, "status", "created_at"),
        Index(None, "conversation_id"),
        Index(None, "updated_at"),
    )


def random_generation(previous: int | None = None) -> int:
    """A new session generation: random, positive, fits a 32-bit column, never `previous`."""
    while True:
        value = secrets.randbelow(2**31 - 2) + 1
        if value != previous:
            return value


class StaffUser(Base):
    """A console account. Passwords are argon2 hashes; lock-out and session state live here."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Logout, a password change and disabling draw a new random number; a session cookie
    # carries the number it was issued with and is refused once they differ. Not a "valid
    # after" time: it cannot be fooled by two events in the same clock tick or by clocks that
    # disagree. Random rather than counting up, so it cannot be guessed to forge a session.
    session_generation: Mapped[int] = mapped_column(
        Integer, default=lambda: random_generation(), server_default="0"
    )

    __table_args__ = (CheckConstraint(f"role IN ({_quoted(STAFF_ROLES)})", name="role"),)


class AuditEvent(Base):
    """Who viewed, exported or changed what, and when. Never holds visitor personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index(None, "at"),
        Index(None, "target_type", "target_id"),
        Index(None, "username", "at"),
    )


class RateLimitCounter(Base):
    """A fixed-window counter of `bot.web.ratelimit`, shared by every instance on this database.

    `key` names the limit and a hash of the client address or session id (never the value).
    Rows whose window has ended are reused or deleted; nothing here is personal data.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Double)  # epoch seconds

    __table_args__ = (Index(None, "expires_at"),)
