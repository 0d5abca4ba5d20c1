"""Rate limits, one `limits` storage for both audiences: chat messages and appointment requests
per client address and per session, and the staff login's slow-down per client address.

The algorithm is the `limits` library's fixed window. Its counters live in memory for one
instance (SQLite, `make run`) or in the shared database when it is PostgreSQL, so several
instances enforce one limit together: `SqlStorage` is a small `limits` storage over the
`rate_limit_counters` table (one atomic upsert per hit). Keys hold a hash of the client
address or session id, never the value itself.

The client address is the one uvicorn reports: it takes X-Forwarded-For only from the
proxies in CLINICBOT_FORWARDED_ALLOW_IPS, so a client cannot pick its own address.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse, parse_many
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from bot.store.models import RateLimitCounter

log = logging.getLogger(__name__)

PURGE_EVERY = 500  # hits between deletions of expired counters


def fingerprint(value: str) -> str:
    """A short one-way hash: counters and logs never hold an address or a session id."""
    return hashlib.sha256(b"clinicbot-limit:" + value.encode("utf-8")).hexdigest()[:24]


class SqlStorage(Storage):
    """`limits` storage in the app's database (PostgreSQL when instances share one).

    Fixed-window counters only: `incr` adds to a counter and starts a new window once the
    old one expired, in one INSERT ... ON CONFLICT statement, so concurrent instances never
    lose a hit. Times are epoch seconds from each instance's clock.
    """

    STORAGE_SCHEME = None  # built directly, never from a URI

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        super().__init__(wrap_exceptions=False)
        self.engine = engine
        self.clock = clock
        self._hits = 0
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def _insert(self) -> Any:
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(RateLimitCounter)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        table = RateLimitCounter.__table__
        stmt = self._insert().values(key=key, count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        from sqlalchemy import case

        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        with self.engine.begin() as conn:
            count = int(conn.execute(stmt).scalar_one())
        self._maybe_purge(now)
        return count

    def _maybe_purge(self, now: float) -> None:
        with self._lock:
            self._hits += 1
            if self._hits % PURGE_EVERY:
                return
        with self.engine.begin() as conn:
            conn.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))

    def _row(self, key: str) -> tuple[int, float] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(RateLimitCounter.count, RateLimitCounter.expires_at).where(
                    RateLimitCounter.key == key
                )
            ).first()
        if row is None or row.expires_at <= self.clock():
            return None
        return int(row.count), float(row.expires_at)

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else self.clock()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


def storage_for(engine: Engine | None) -> Storage:
    """The counters' home: the database when it is PostgreSQL (instances share one limit),
    this process's memory otherwise."""
    if engine is not None and engine.dialect.name == "postgresql":
        return SqlStorage(engine)
    return MemoryStorage()


@dataclass(frozen=True)
class Limits:
    """The configured limits (settings in the `limits` notation, e.g. "60/minute")."""

    client_messages: list[RateLimitItem]
    session_appointments: list[RateLimitItem]
    client_appointments: list[RateLimitItem]

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            client_messages=parse_many(settings.rate_limit_client_messages),
            session_appointments=parse_many(settings.rate_limit_session_appointments),
            client_appointments=parse_many(settings.rate_limit_client_appointments),
        )


class VisitorLimiter:
    """Answers "may this session / this client send one more?" and counts it if so."""

    def __init__(self, limits: Limits, storage: Storage | None = None) -> None:
        self.limits = limits
        self.storage = storage if storage is not None else MemoryStorage()
        self.strategy = FixedWindowRateLimiter(self.storage)

    @classmethod
    def for_settings(cls, settings: Settings, engine: Engine | None = None) -> VisitorLimiter:
        """Shared counters in PostgreSQL when the app uses it; this process's memory otherwise."""
        return cls(Limits.from_settings(settings), storage_for(engine))

    def _hit(self, kind: str, items: list[RateLimitItem], identity: str | None) -> bool:
        if not identity:
            return True
        key = fingerprint(identity)
        try:
            # every limit of the list is counted, so "60/minute;300/hour" means both
            return all([self.strategy.hit(item, kind, key) for item in items])
        except Exception as exc:  # a database hiccup must not silence the chat
            log.warning("rate limit storage failed (%s): %s", kind, type(exc).__name__)
            return True

    def allow_message(self, client: str | None) -> bool:
        """Per client address; the per-session message limit is the session's own window
        (`VisitorChat`), a session living in one instance."""
        return self._hit("client-messages", self.limits.client_messages, client)

    def allow_appointment(self, session_id: str, client: str | None) -> bool:
        """Per session, then per address: a request the session limit refused does not use
        up the address's allowance (other visitors behind the same address)."""
        return self._hit(
            "session-appointments", self.limits.session_appointments, session_id
        ) and self._hit("client-appointments", self.limits.client_appointments, client)


# The staff login's slow-down: after FREE_FAILURES failed logins from one address, each further
# attempt waits BASE_DELAY_S * 2**n (at most MAX_DELAY_S); the count lives for one window.
FREE_FAILURES = 3
BASE_DELAY_S = 0.5
MAX_DELAY_S = 8.0
LOGIN_FAILURE_WINDOW = parse("1000 per 15 minutes")  # only the count matters, not the amount


class LoginSlowdown:
    """Failed staff logins per client address, counted like the chat's limits (same storage,
    so shared by instances on PostgreSQL); a successful login clears its address's count."""

    def __init__(self, storage: Storage | None = None) -> None:
        self.strategy = FixedWindowRateLimiter(storage if storage is not None else MemoryStorage())

    def _ids(self, address: str) -> tuple[str, str]:
        return ("staff-login-failures", fingerprint(address))

    def delay_for(self, address: str) -> float:
        """Seconds the next attempt from `address` waits (0 for the first FREE_FAILURES)."""
        try:
            stats = self.strategy.get_window_stats(LOGIN_FAILURE_WINDOW, *self._ids(address))
        except Exception as exc:  # a database hiccup must not lock staff out
            log.warning("login slow-down storage failed: %s", type(exc).__name__)
            return 0.0
        count = LOGIN_FAILURE_WINDOW.amount - stats.remaining
        if count < FREE_FAILURES:
            return 0.0
        return float(min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (count - FREE_FAILURES)))

    def failed(self, address: str) -> None:
        """Count one failed login from `address`."""
        try:
            self.strategy.hit(LOGIN_FAILURE_WINDOW, *self._ids(address))
        except Exception as exc:
            log.warning("login slow-down storage failed: %s", type(exc).__name__)

    def succeeded(self, address: str) -> None:
        """A login from `address` worked: its next failures start free again."""
        try:
            self.strategy.clear(LOGIN_FAILURE_WINDOW, *self._ids(address))
        except Exception as exc:
            log.warning("login slow-down storage failed: %s", type(exc).__name__)
