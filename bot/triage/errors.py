"""The one error of bot.triage: a data file (rules, spelling, replies, exemplars, model) is bad."""

from __future__ import annotations

from pathlib import Path


class TriageDataError(Exception):
    """A triage data file cannot be used; says which file, which line and why.

    Raised at start-up: the app must not serve with a broken safety layer.
    """

    def __init__(self, path: Path | str, line: int | None, reason: str):
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}" + (f" line {line}" if line else "")
        super().__init__(f"{where}: {reason}")
