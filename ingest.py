"""Publish knowledge/ as the index the chat answers: `python ingest.py` runs `clinicbot-ingest`.

The code is bot/ingest/cli.py; this file stays so a checkout runs without installing the project.
"""

import sys

from bot.ingest.cli import main

def run() -> int:
    """The command line: library chatter to the log file, the report and progress on screen.

    Not with `--json`, whose output is read by programs. `main` alone leaves logging as it
    is, for callers (and tests) that own it.
    """
    if "--json" not in sys.argv[1:]:
        from bot import quiet

        log_file = quiet.configure(Settings().data_dir)
        status = main()
        print(f"log: {log_file}")
        return status
    return main()


if __name__ == "__main__":
    sys.exit(run())
