"""The staff console's side of the store: conversation lists, transcripts, review marks,
exports, appointment requests and insights, each one short transaction over `queries`.

Staff mutations (mark reviewed, request status) write their own audit row in the same
transaction; the web layer audits views and exports with `audit()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Unpack

from bot.localtime import day_start, local_date
from bot.store.base import Store
from bot.store.models import AppointmentRequest, Conversation
from bot.store.staff import queries as review
from bot.store.staff.csvexport import export_csv
from bot.store.views import ConversationSummary, ExportRow, RequestView, Transcript


class StaffReview(Store):
    """What the console reads and marks (mixed into `bot.store.repo.ChatLog`)."""

    def list_conversations(
        self, *, limit: int = 50, offset: int = 0, **filters: Unpack[review.FilterArgs]
    ) -> list[ConversationSummary]:
        """Conversations matching every given filter (see `FilterArgs`): unreviewed
        emergencies first, then newest."""
        with self._read() as session:
            return review.list_conversations(
                session, review.filters_from(filters), limit=limit, offset=offset
            )

    def get_transcript(self, conv_id: str) -> Transcript | None:
        """The whole conversation with citations, page versions and feedback; None if unknown."""
        with self._read() as session:
            return review.transcript(session, conv_id)

    def mark_reviewed(self, conv_id: str, username: str, note: str = "") -> bool:
        """Mark a conversation reviewed by `username` with a note (audited); False if unknown."""
        with self._write() as session:
            conversation = session.get(Conversation, conv_id, with_for_update=True)
            if conversation is None:
                return False
            now = self._clock()
            conversation.reviewed_at = now
            conversation.reviewed_by = username
            conversation.review_note = note
            self._audit(session, now, username, "conversation.review", "conversation", conv_id)
            return True

    def export_rows(
        self, *, limit: int = 10_000, **filters: Unpack[review.FilterArgs]
    ) -> list[ExportRow]:
        """One row per message of the conversations `list_conversations` would list."""
        with self._read() as session:
            return review.export_rows(session, review.filters_from(filters), limit=limit)

    @staticmethod
    def export_csv(
        rows: Iterable[Any], columns: Sequence[str] | None = None, *, zone: tzinfo = UTC
    ) -> str:
        """CSV text of any view rows (ExportRow, ConversationSummary, RequestView, ...),
        with spreadsheet formula injection neutralised and times in ISO 8601 with their
        offset in `zone` (see `bot.store.staff.csvexport`)."""
        return export_csv(rows, columns, zone=zone)

    # --- staff: appointment requests -------------------------------------------------

    def list_requests(
        self, status: str | None = None, *, limit: int = 200, offset: int = 0
    ) -> list[RequestView]:
        """Appointment requests, 'new' first, then 'contacted', then 'closed'; newest first."""
        with self._read() as session:
            return review.list_requests(session, status, limit=limit, offset=offset)

    def get_request(self, request_id: int) -> RequestView | None:
        """One appointment request, or None."""
        with self._read() as session:
            row = session.get(AppointmentRequest, request_id)
            return review.request_view(row) if row else None

    def set_request_status(
        self, request_id: int, status: str, username: str, note: str | None = None
    ) -> bool:
        """Move a request to new/contacted/closed (audited); `note` replaces the staff note
        when given. False if there is no such request."""
        review.check_status(status)
        with self._write() as session:
            row = session.get(AppointmentRequest, request_id, with_for_update=True)
            if row is None:
                return False
            now = self._clock()
            previous = row.status
            row.status = status
            row.updated_at = now
            if note is not None:
                row.staff_note = note
            self._audit(
                session,
                now,
                username,
                "request.status",
                "appointment_request",
                str(request_id),
                f"{previous} -> {status}",
            )
            return True

    # --- staff: insights ------------------------------------------------------------

    def stats_by_day(self, days: int = 30, zone: tzinfo = UTC) -> list[tuple[date, str, int]]:
        """(day, kind, replies) for the last `days` days including today: the clinic's days,
        midnight to midnight in `zone` (23 or 25 hours when the clocks change)."""
        today = local_date(self._clock(), zone)
        since = day_start(today - timedelta(days=max(days, 1) - 1), zone)
        with self._read() as session:
            return review.stats_by_day(session, since, zone)

    def top_questions(self, limit: int = 20, days: int | None = None) -> list[tuple[str, int]]:
        """The most asked questions (same text ignoring case and outer spaces), with counts."""
        with self._read() as session:
            return review.top_questions(session, limit, self._since(days))

    def fallback_questions(self, limit: int = 500, days: int | None = None) -> list[str]:
        """Questions the bot could not answer (kind 'fallback'), newest first, redacted."""
        with self._read() as session:
            return review.fallback_questions(session, limit, self._since(days))

    def _since(self, days: int | None) -> datetime | None:
        return None if days is None else self._clock() - timedelta(days=days)
