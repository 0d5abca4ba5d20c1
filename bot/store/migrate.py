"""`python -m bot.store.migrate [--database-url URL]`: bring the database schema up to date.

Safe to run twice, and from several hosts at once against one PostgreSQL (they queue on an
advisory lock). The default URL is Settings().resolved_database_url (CLINICBOT_DATABASE_URL,
else SQLite in the data directory). Exit codes: 0 done, 1 store error, 2 usage.
"""

from __future__ import annotations

import argparse
import sys

from bot.settings import InvalidSettings, load_settings
from bot.store.db import current_revision, make_engine, migrate, safe_url
from bot.store.errors import StoreError


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, migrate, print one line; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot.store.migrate", description=__doc__)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: from settings)")
    args = parser.parse_args(argv)
    try:
        url = args.database_url or load_settings().resolved_database_url
        engine = make_engine(url)
        try:
            before = current_revision(engine)
            migrate(engine)
            after = current_revision(engine)
        finally:
            engine.dispose()
    except (StoreError, InvalidSettings) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    state = "already up to date" if before == after else f"upgraded from {before or 'empty'}"
    print(f"{safe_url(url)}: schema at revision {after} ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
