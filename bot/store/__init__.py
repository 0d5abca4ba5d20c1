"""Storage: conversations, messages, appointment requests, staff accounts and the audit trail.

    engine = make_engine(settings.resolved_database_url)   # SQLite file or PostgreSQL
    migrate(engine)                                          # or: python -m bot.store.migrate
    log = ChatLog(engine, max_failed_logins=settings.staff_max_failed_logins)
    message_id = log.log_reply(session_id, reply)

By audience: visitor/ (log.py: what the chat writes; appointments.py: the request form) and
staff/ (review.py + queries.py: what the console reads and marks; accounts.py, csvexport.py,
retention.py). Shared by both: db (engines, migrations), models (the tables, in one place),
base (transactions, the audit trail), views (the frozen dataclasses handed out), redact,
errors; repo (`ChatLog`, the API) combines the two sides.
"""

from bot.store.db import make_engine, migrate
from bot.store.errors import (
    AlreadyRequested,
    AppointmentInvalid,
    DatabaseUnavailable,
    InvalidDatabaseUrl,
    InvalidValue,
    MigrationError,
    ReferenceUnavailable,
    SchemaOutOfDate,
    StaffExists,
    StoreError,
    UnknownStaff,
    WeakPassword,
)
from bot.store.repo import ChatLog
from bot.store.views import (
    AppointmentForm,
    AuditView,
    ConversationSummary,
    ExportRow,
    MessageView,
    PurgeCounts,
    RequestView,
    StaffView,
    StoredCitation,
    Transcript,
)

__all__ = [
    "AlreadyRequested",
    "AppointmentForm",
    "AppointmentInvalid",
    "AuditView",
    "ChatLog",
    "ConversationSummary",
    "DatabaseUnavailable",
    "ExportRow",
    "InvalidDatabaseUrl",
    "InvalidValue",
    "MessageView",
    "MigrationError",
    "PurgeCounts",
    "ReferenceUnavailable",
    "RequestView",
    "SchemaOutOfDate",
    "StaffExists",
    "StaffView",
    "StoreError",
    "StoredCitation",
    "Transcript",
    "UnknownStaff",
    "WeakPassword",
    "make_engine",
    "migrate",
]
