"""`ChatLog`: the store's API for the app — visitor log, staff review, accounts, retention.

`ChatLog(engine)` combines the visitor side (`bot.store.visitor.log`), the staff side (review
`bot.store.staff.review`, accounts `bot.store.staff.accounts`, retention
`bot.store.staff.retention`) and the audit trail (`bot.store.base`). Every method is one short
transaction and returns frozen dataclasses (`bot.store.views`), so callers never hold a
session; one ChatLog per engine can be shared across threads and requests.

Staff mutations (mark reviewed, request status, account changes, purge, logins) write their
own audit row in the same transaction; the web layer audits views and exports with
`audit()`. Times come from the injected clock (default: now, UTC) and are stored in UTC;
where a method works in days of the calendar (`stats_by_day`), the caller passes the
clinic's time zone (`Settings.zone`), and retention counts 24-hour days from now.

Errors: `bot.store.errors` (AppointmentInvalid, InvalidValue, DatabaseUnavailable, ...).
"""

from __future__ import annotations

from bot.store.staff.accounts import StaffAccounts
from bot.store.staff.retention import Retention
from bot.store.staff.review import StaffReview
from bot.store.visitor.log import VisitorLog

__all__ = ["ChatLog"]


class ChatLog(VisitorLog, StaffReview, StaffAccounts, Retention):
    """The store's API (constructor arguments: see `bot.store.base.Store`)."""
