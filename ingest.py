"""Publish knowledge/ as the index the chat answers: `python ingest.py` runs `clinicbot-ingest`.

The code is bot/ingest/cli.py; this file stays so a checkout runs without installing the project.
"""

import sys

from bot.ingest.cli import main, run

__all__ = ["main", "run"]

if __name__ == "__main__":
    sys.exit(run())
