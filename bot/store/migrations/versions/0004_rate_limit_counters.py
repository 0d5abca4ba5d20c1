"""Rate limits shared by every instance: the `rate_limit_counters` table; random session
generations for the accounts that still have the old counter's values.

Chat messages and appointment requests are limited per client address and per session
(`bot.web.ratelimit`); with PostgreSQL the counters live here so that instances enforce one
limit together. Session generations were a counter starting at 0, which someone holding the
session secret could guess; each account gets a random one (its open sessions end).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
    )
    op.create_index(
        op.f("ix_rate_limit_counters_expires_at"), "rate_limit_counters", ["expires_at"]
    )
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM staff_users"))]
    for account_id in ids:
        conn.execute(
            sa.text("UPDATE staff_users SET session_generation = :g WHERE id = :id"),
            {"g": secrets.randbelow(2**31 - 2) + 1, "id": account_id},
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_counters_expires_at"), table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
