"""Staff sessions can be revoked: a per-account session generation.

A session cookie carries the generation it was issued with; logging out, changing the
password or disabling the account adds one, and every instance then refuses the older
cookies (they read the number from this shared row on each request). Existing accounts start
at 0; cookies from before this revision carry no generation and are refused, so everyone
signs in once after the upgrade.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A server default fills the existing rows, and lets instances still running the previous
    # release (which do not know the column) keep creating accounts during a rolling upgrade.
    # ADD COLUMN ... NOT NULL DEFAULT works in place on SQLite and PostgreSQL alike.
    op.add_column(
        "staff_users",
        sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("session_generation")
