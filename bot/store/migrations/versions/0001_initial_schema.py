"""Initial schema: conversations, messages, appointment requests, staff users, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the allowed values: a migration must not change when the code does.
KINDS = "'answer', 'fallback', 'refusal', 'emergency', 'appointment'"


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _conversation_key(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    """`table`.conversation_id -> conversations.id, named by the metadata's convention."""
    return sa.ForeignKeyConstraint(
        ["conversation_id"],
        ["conversations.id"],
        name=op.f(f"fk_{table}_conversation_id_conversations"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("last_at", _utc(), nullable=False),
        sa.Column("has_emergency", sa.Boolean(), nullable=False),
        sa.Column("reviewed_at", _utc(), nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("session_id", name=op.f("uq_conversations_session_id")),
    )
    op.create_index(
        op.f("ix_conversations_has_emergency_reviewed_at_last_at"),
        "conversations",
        ["has_emergency", "reviewed_at", "last_at"],
    )
    op.create_index(op.f("ix_conversations_last_at"), "conversations", ["last_at"])
    op.create_index(op.f("ix_conversations_started_at"), "conversations", ["started_at"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("index_version", sa.String(64), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.SmallInteger(), nullable=True),
        sa.Column("feedback_at", _utc(), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_messages_kind")),
        sa.CheckConstraint(
            "feedback IS NULL OR feedback IN (-1, 0, 1)", name=op.f("ck_messages_feedback")
        ),
        _conversation_key("messages", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(
        op.f("ix_messages_conversation_id_created_at"),
        "messages",
        ["conversation_id", "created_at"],
    )
    op.create_index(op.f("ix_messages_created_at_kind"), "messages", ["created_at", "kind"])
    op.create_index(op.f("ix_messages_kind_created_at"), "messages", ["kind", "created_at"])
    op.create_index(op.f("ix_messages_feedback"), "messages", ["feedback"])

    op.create_table(
        "appointment_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("preferred_time", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("staff_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'contacted', 'closed')",
            name=op.f("ck_appointment_requests_status"),
        ),
        _conversation_key("appointment_requests", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_appointment_requests_reference")),
    )
    op.create_index(
        op.f("ix_appointment_requests_conversation_id"),
        "appointment_requests",
        ["conversation_id"],
    )
    op.create_index(
        op.f("ix_appointment_requests_status_created_at"),
        "appointment_requests",
        ["status", "created_at"],
    )
    op.create_index(
        op.f("ix_appointment_requests_updated_at"), "appointment_requests", ["updated_at"]
    )

    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_login_at", _utc(), nullable=True),
        sa.CheckConstraint("role IN ('staff', 'editor')", name=op.f("ck_staff_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])
    op.create_index(
        op.f("ix_audit_events_target_type_target_id"), "audit_events", ["target_type", "target_id"]
    )
    op.create_index(op.f("ix_audit_events_username_at"), "audit_events", ["username", "at"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("staff_users")
    op.drop_table("appointment_requests")
    op.drop_table("messages")
    op.drop_table("conversations")
