"""`Store`: the engine, clock and transaction helpers every part of `ChatLog` shares, plus the
audit trail that all of them write to.

Each public method of the store is one short transaction: `_read()` or `_write()`. On SQLite,
`_write()` takes the write lock at BEGIN, so writers from several processes queue (up to the
busy timeout) instead of failing; on PostgreSQL any number of app instances share one
database. Leaving a `_write()` block commits, so a method that returns after it has a
durable result.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.store.db import translate_errors, write_engine
from bot.store.models import AuditEvent, utcnow
from bot.store.views import AuditView, row_view


class Store:
    """Shared state of the store's API classes (see `bot.store.repo.ChatLog`)."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        max_failed_logins: int = 5,
        lockout: timedelta = timedelta(minutes=15),
        password_hasher: PasswordHasher | None = None,
        keep_numbers: Collection[str] = (),
        references: Callable[[], str] | None = None,
    ) -> None:
        """`clock`: returns aware UTC now. `max_failed_logins`/`lockout`: staff lock-out policy
        (Settings.staff_max_failed_logins). `password_hasher`: argon2 parameters (tests pass
        cheap ones). `keep_numbers`: phone numbers redaction leaves alone (the clinic's own).
        `references`: makes appointment references (default: the visitor side's
        `new_reference`; tests force collisions with it)."""
        self._engine = engine
        self._writer = write_engine(engine)
        self._clock = clock
        self._max_failed_logins = max_failed_logins
        self._lockout = lockout
        self._hasher = password_hasher or PasswordHasher()
        self._keep_numbers = tuple(keep_numbers)
        self._references = references

    @property
    def engine(self) -> Engine:
        """The engine this store uses."""
        return self._engine

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with translate_errors(self._engine), Session(self._engine) as session, session.begin():
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with translate_errors(self._engine), Session(self._writer) as session, session.begin():
            yield session

    def audit(
        self, username: str, action: str, target_type: str, target_id: str, detail: str = ""
    ) -> None:
        """Append an audit event, e.g. audit("ana", "conversation.view", "conversation", id).

        Never put visitor personal data in `detail`.
        """
        with self._write() as session:
            self._audit(session, self._clock(), username, action, target_type, target_id, detail)

    def list_audit(
        self,
        limit: int = 100,
        *,
        offset: int = 0,
        username: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
    ) -> list[AuditView]:
        """Audit events, newest first, optionally for one user or one target."""
        query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        if username is not None:
            query = query.where(AuditEvent.username == username)
        if target_type is not None:
            query = query.where(AuditEvent.target_type == target_type)
        if target_id is not None:
            query = query.where(AuditEvent.target_id == target_id)
        with self._read() as session:
            rows = session.scalars(query.limit(limit).offset(offset))
            return [row_view(AuditView, e) for e in rows]

    @staticmethod
    def _audit(
        session: Session,
        at: datetime,
        username: str,
        action: str,
        target_type: str = "",
        target_id: str = "",
        detail: str = "",
    ) -> None:
        session.add(
            AuditEvent(
                at=at,
                username=username[:64],
                action=action[:64],
                target_type=target_type[:32],
                target_id=target_id[:64],
                detail=detail,
            )
        )
