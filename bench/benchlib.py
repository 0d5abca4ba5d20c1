"""What several bench scripts do the same way: the ingest command line and stopping a spawned app.

Imported by the scripts as `benchlib` (a script's own folder is first on sys.path when it is run
as `python bench/NAME.py`).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]


def ingest_command(knowledge: Path, index_dir: Path) -> list[str]:
    """`python ingest.py --knowledge K --index I` with this interpreter."""
    return [
        sys.executable,
        str(ROOT / "ingest.py"),
        "--knowledge",
        str(knowledge),
        "--index",
        str(index_dir),
    ]


def stop_app(proc: subprocess.Popen, log: IO[bytes]) -> None:
    """Stop a spawned app.py as a service manager would (SIGTERM, then kill after 40 s), and
    close its log."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(40)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()
