"""Alembic environment for the store: run by `bot.store.db.migrate`, no alembic.ini needed.

`migrate()` passes an open connection (inside a transaction that holds the migration lock)
as `config.attributes["connection"]`. For writing a new revision, a developer can run e.g.
`python -m bot.store.migrate --revision "add x"` (see bot/store/migrate.py).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.store.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.store.db.migrate(), which passes a connection")
if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")
_run(connection)
