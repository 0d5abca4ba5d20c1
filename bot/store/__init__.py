"""Storage: conversations, messages, appointment requests, staff accounts and the audit trail.

    engine = make_engine(settings.resolved_database_url)   # SQLite file or PostgreSQL
    migrate(engine)                                          # or: python -m bot.store.migrate
    log = ChatLog(engine, max_failed_logins=settings.staff_max_failed_logins)
    message_id = log.log_reply(session_id, reply)

Modules: db (engines, migrations), models (tables), repo (`ChatLog`, the API) built from
visitor / accounts / retention / review, views (the frozen dataclasses it returns),
redact, appointments (the form), csvexport, errors.
"""

from bot.store.appointments import AppointmentForm
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
