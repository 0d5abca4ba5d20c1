"""Retention: delete conversations and appointment requests past their configured age."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from bot.store.base import Store
from bot.store.errors import InvalidValue
from bot.store.models import AppointmentRequest, Conversation, Message
from bot.store.views import PurgeCounts

_DELETE_BATCH = 500  # ids per DELETE ... IN (...), well under SQLite's variable limit


class Retention(Store):
    """The purge behind `python -m bot.staff purge`. Part of `ChatLog`."""

    def purge(
        self,
        now: datetime,
        conversation_days: int,
        appointment_days: int,
        dry_run: bool = False,
        *,
        by: str = "cli",
    ) -> PurgeCounts:
        """Delete what is past retention; with dry_run, only count it.

        - Conversations whose last activity is more than `conversation_days` ago, with their
          messages. Appointment requests linked to them stay (their link is cleared).
        - Appointment requests not updated for more than `appointment_days`, except those
          still 'new': nobody has acted on them yet, so they are kept (and counted in
          `new_requests_kept`) until staff contact or close them.
        - Staff accounts and the audit trail are never purged.
        """
        for name, value in (("conversation", conversation_days), ("appointment", appointment_days)):
            if value < 1:
                raise InvalidValue(f"{name} retention must be at least 1 day, not {value}")
        conversation_cutoff = now - timedelta(days=conversation_days)
        appointment_cutoff = now - timedelta(days=appointment_days)
        expired_requests = AppointmentRequest.updated_at < appointment_cutoff
        with self._write() as session:
            conversation_ids = list(
                session.scalars(
                    select(Conversation.id)
                    .where(Conversation.last_at < conversation_cutoff)
                    .with_for_update()
                )
            )
            messages = 0
            for batch in _batches(conversation_ids):
                messages += (
                    session.scalar(select(func.count()).where(Message.conversation_id.in_(batch)))
                    or 0
                )
            request_ids = list(
                session.scalars(
                    select(AppointmentRequest.id)
                    .where(expired_requests, AppointmentRequest.status != "new")
                    .with_for_update()
                )
            )
            kept = session.scalar(
                select(func.count()).where(expired_requests, AppointmentRequest.status == "new")
            )
            counts = PurgeCounts(
                conversations=len(conversation_ids),
                messages=messages,
                appointment_requests=len(request_ids),
                new_requests_kept=kept or 0,
                conversation_cutoff=conversation_cutoff,
                appointment_cutoff=appointment_cutoff,
                dry_run=dry_run,
            )
            if dry_run:
                return counts
            for batch in _batches(request_ids):
                session.execute(delete(AppointmentRequest).where(AppointmentRequest.id.in_(batch)))
            for batch in _batches(conversation_ids):
                session.execute(delete(Message).where(Message.conversation_id.in_(batch)))
                session.execute(
                    update(AppointmentRequest)
                    .where(AppointmentRequest.conversation_id.in_(batch))
                    .values(conversation_id=None)
                )
                session.execute(delete(Conversation).where(Conversation.id.in_(batch)))
            detail = (
                f"conversations={counts.conversations} messages={counts.messages} "
                f"appointment_requests={counts.appointment_requests} "
                f"new_requests_kept={counts.new_requests_kept} "
                f"conversation_days={conversation_days} appointment_days={appointment_days}"
            )
            self._audit(session, self._clock(), by, "purge", "", "", detail)
            return counts


def _batches(ids: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(ids), _DELETE_BATCH):
        yield ids[i : i + _DELETE_BATCH]
