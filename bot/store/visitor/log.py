"""The visitor side of the store: log replies, record feedback, take appointment requests."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.redact import redact
from bot.store.base import Store
from bot.store.errors import (
    AlreadyRequested,
    AppointmentInvalid,
    InvalidValue,
    ReferenceUnavailable,
)
from bot.store.models import (
    REQUEST_KEY_MAX,
    SESSION_ID_MAX,
    AppointmentRequest,
    Conversation,
    Message,
)
from bot.store.visitor.appointments import AppointmentForm, clean, new_reference, validate
from bot.types import Reply

_REFERENCE_TRIES = 8


class VisitorLog(Store):
    """What the visitor chat writes. Part of `ChatLog`."""

    def log_reply(self, session_id: str, reply: Reply) -> int:
        """Log one question and its reply; returns the message id (for feedback).

        The first reply of a session creates its conversation. The question is stored
        redacted; the answer exactly as shown. An emergency reply flags the conversation for
        review (again, if it had been reviewed before).
        """
        _check_session_id(session_id)
        now = self._clock()
        citations = [
            {
                "n": c.n,
                "source": c.source,
                "title": c.title,
                "url": c.url,
                "quote": c.quote,
                "chunk_id": c.chunk_id,
                "page_version": c.page_version,
            }
            for c in reply.citations
        ]
        for attempt in range(2):
            try:
                with self._write() as session:
                    conversation = self._conversation_for(session, session_id, now, create=True)
                    assert conversation is not None
                    conversation.last_at = now
                    if reply.kind == "emergency":
                        conversation.has_emergency = True
                        conversation.reviewed_at = None
                    message = Message(
                        conversation_id=conversation.id,
                        created_at=now,
                        question=redact(reply.question, self._keep_numbers),
                        answer=reply.answer,
                        kind=reply.kind,
                        citations=citations,
                        index_version=reply.index_version,
                        latency_ms=round(reply.latency_ms),
                    )
                    session.add(message)
                    session.flush()
                    return message.id
            except IntegrityError:
                # Another instance created this session's conversation at the same moment
                # (PostgreSQL); the second attempt finds it.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def set_feedback(self, session_id: str, message_id: int, value: int) -> bool:
        """Record thumbs up (+1), down (-1) or withdrawn (0) on a message of this session.

        Returns False, changing nothing, if the message does not belong to that session.
        """
        if value not in (-1, 0, 1):
            raise InvalidValue(f"feedback must be -1, 0 or 1, not {value!r}")
        owner = select(Conversation.id).where(Conversation.session_id == session_id)
        with self._write() as session:
            result = session.execute(
                update(Message)
                .where(Message.id == message_id, Message.conversation_id.in_(owner))
                .values(feedback=value, feedback_at=self._clock())
                .execution_options(synchronize_session=False)
            )
            return _rowcount(result) == 1

    def request_appointment(
        self, session_id: str | None, form: AppointmentForm, *, key: str | None = None
    ) -> str:
        """Store a validated, cleaned appointment request; returns its reference once committed.

        Raises `AppointmentInvalid` with per-field messages if the form has errors, and
        `AlreadyRequested` (carrying the first reference) when a request with the same
        one-time form `key` is already stored, so a retried submission adds no second row.
        The request is linked to the session's conversation when there is one.
        """
        errors = validate(form)
        if errors:
            raise AppointmentInvalid(errors)
        if key is not None and not 0 < len(key) <= REQUEST_KEY_MAX:
            raise InvalidValue(f"a form key must be 1-{REQUEST_KEY_MAX} characters")
        form = clean(form)
        for _ in range(_REFERENCE_TRIES):
            reference = (self._references or new_reference)()
            now = self._clock()
            try:
                with self._write() as session:
                    if key is not None:
                        _raise_if_already_requested(session, key)
                    conversation = None
                    if session_id:
                        conversation = self._conversation_for(session, session_id, now)
                    if conversation is not None:
                        conversation.last_at = now
                    session.add(
                        AppointmentRequest(
                            reference=reference,
                            conversation_id=conversation.id if conversation else None,
                            **asdict(form),  # the form's fields are the request's columns
                            status="new",
                            created_at=now,
                            updated_at=now,
                            staff_note="",
                            request_key=key,
                        )
                    )
                return reference  # only now: the transaction above has committed
            except IntegrityError as e:
                if key is not None and "request_key" in str(e.orig):
                    # The same form sent twice at once (PostgreSQL, two instances): the other
                    # submission committed first, so its row is the one to report.
                    with self._read() as session:
                        _raise_if_already_requested(session, key)
                if "reference" not in str(e.orig):
                    raise
        raise ReferenceUnavailable(
            f"no unused appointment reference after {_REFERENCE_TRIES} tries"
        )

    def _conversation_for(
        self, session: Session, session_id: str, now: datetime, *, create: bool = False
    ) -> Conversation | None:
        conversation = session.scalar(
            select(Conversation).where(Conversation.session_id == session_id)
        )
        if conversation is None and create:
            conversation = Conversation(
                id=uuid4().hex,
                session_id=session_id,
                started_at=now,
                last_at=now,
                has_emergency=False,
                review_note="",
            )
            session.add(conversation)
            session.flush()
        return conversation


def _raise_if_already_requested(session: Session, key: str) -> None:
    reference = session.scalar(
        select(AppointmentRequest.reference).where(AppointmentRequest.request_key == key)
    )
    if reference is not None:
        raise AlreadyRequested(reference)


def _check_session_id(session_id: str) -> None:
    if not session_id or len(session_id) > SESSION_ID_MAX:
        raise InvalidValue(f"session id must be 1-{SESSION_ID_MAX} characters")


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
