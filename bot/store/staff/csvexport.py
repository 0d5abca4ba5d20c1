"""CSV export of console rows, safe to open in a spreadsheet.

A cell that starts with = + - @ tab or carriage return can run as a formula in Excel,
LibreOffice or Google Sheets ("CSV injection"); such text cells get a leading apostrophe,
which spreadsheets show as plain text. Numbers are written as numbers (a negative number
is not a formula). Times are ISO 8601 with the UTC offset of the zone asked for (the
clinic's), e.g. 2026-03-08T01:30:00-05:00, so a reader knows the zone and the instant. Writing
itself is the csv module's job.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any, zone: tzinfo = UTC) -> str | int | float:
    """The value as a CSV cell that no spreadsheet evaluates (times shown in `zone`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, tuple | list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    # Leading spaces or newlines do not stop some spreadsheets from evaluating what follows.
    if text.lstrip(" \n").startswith(FORMULA_PREFIXES) or text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def export_csv(
    rows: Iterable[Any], columns: Sequence[str] | None = None, *, zone: tzinfo = UTC
) -> str:
    """CSV text (header + one line per row) of dataclass instances, every cell neutralised.

    `columns` picks and orders the fields; by default all fields of the first row's class.
    An empty `rows` gives just the header when `columns` is given, else an empty string.
    """
    rows = list(rows)
    if columns is None:
        if not rows:
            return ""
        columns = [f.name for f in dataclasses.fields(rows[0])]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(getattr(row, column), zone) for column in columns])
    return buffer.getvalue()
