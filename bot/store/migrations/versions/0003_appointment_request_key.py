"""Appointment requests are idempotent: the one-time key of the form that sent them.

Each rendered appointment form carries a random key; the request is stored with it, and a
second submission with the same key (a retry after the reply was lost) finds the first row
instead of adding another. Existing rows have no key (NULL, which a unique index allows
any number of times on SQLite and PostgreSQL alike).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("appointment_requests", sa.Column("request_key", sa.String(64), nullable=True))
    op.create_index(
        "ix_appointment_requests_request_key",
        "appointment_requests",
        ["request_key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_appointment_requests_request_key", table_name="appointment_requests")
    with op.batch_alter_table("appointment_requests") as batch:
        batch.drop_column("request_key")
