"""The store's exception hierarchy: every error it raises on purpose is a `StoreError`.

Messages say what went wrong and what to do; the CLI prints them as one line, the web layer
maps them to friendly text (`AppointmentInvalid.errors` is the per-field form feedback).
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class InvalidDatabaseUrl(StoreError):
    """The database URL cannot be used (syntax, or a backend other than SQLite/PostgreSQL)."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached, or stayed locked/busy for too long."""


class MigrationError(StoreError):
    """Running the schema migrations failed."""


class SchemaOutOfDate(StoreError):
    """The database schema is not at the newest revision: run `python -m bot.store.migrate`."""


class InvalidValue(StoreError, ValueError):
    """An argument is outside what the store accepts (an unknown kind, status, role, ...)."""


class AppointmentInvalid(StoreError):
    """The appointment form has errors; `errors` maps each field to a friendly message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("appointment request is invalid: " + ", ".join(sorted(self.errors)))


class AlreadyRequested(StoreError):
    """A request with this form's one-time key is already stored; `reference` is its reference.

    Raised when a visitor submits the same form again (a retry after a lost reply), so the
    clinic gets one request and the visitor the reference of the first.
    """

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"this form was already sent as {reference}")


class ReferenceUnavailable(StoreError):
    """No unused appointment reference was found after several tries (should never happen)."""


class StaffExists(StoreError):
    """A staff account with that username already exists."""


class UnknownStaff(StoreError):
    """No staff account has that username."""


class WeakPassword(InvalidValue):
    """The password does not meet the minimum length."""
