"""CSV export: spreadsheet formulas in cells are neutralised, everything else is kept as is."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.store.staff.csvexport import export_csv, neutralise


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),  # as text it could be the start of a formula
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("  =cmd", "'  =cmd"),
        ("\n@x", "'\n@x"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("What are your hours?", "What are your hours?"),
        ("a = b", "a = b"),
        ("e-mail", "e-mail"),
        ("", ""),
        (None, ""),
        (-1, -1),  # a number stays a number
        (2.5, 2.5),
        (True, "yes"),
        (datetime(2025, 1, 2, 3, 4, tzinfo=UTC), "2025-01-02T03:04:00+00:00"),
        (("=a", "b"), "'=a; b"),
    ],
)
def test_neutralise(value: object, cell: object) -> None:
    assert neutralise(value) == cell


@dataclass(frozen=True)
class Row:
    name: str
    note: str
    n: int


def test_export_writes_header_and_quoted_rows() -> None:
    text = export_csv([Row('Ann "A"', "line1\nline2, with comma", 3), Row("=evil()", "", -4)])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "note", "n"],
        ['Ann "A"', "line1\nline2, with comma", "3"],
        ["'=evil()", "", "-4"],
    ]


def test_export_columns_pick_and_order_fields() -> None:
    text = export_csv([Row("a", "b", 1)], columns=["n", "name"])
    assert text == "n,name\r\n1,a\r\n"
    assert export_csv([], columns=["n"]) == "n\r\n"
    assert export_csv([]) == ""


@dataclass(frozen=True)
class Timed:
    at: datetime


def test_times_are_iso_8601_with_the_offset_of_the_zone_asked_for() -> None:
    rows = [
        Timed(datetime(2026, 3, 8, 6, 30, tzinfo=UTC)),
        Timed(datetime(2026, 3, 9, 3, 30, tzinfo=UTC)),
    ]
    text = export_csv(rows, zone=ZoneInfo("America/New_York"))
    assert list(csv.reader(io.StringIO(text)))[1:] == [
        ["2026-03-08T01:30:00-05:00"],  # EST
        ["2026-03-08T23:30:00-04:00"],  # EDT, the same local day
    ]
    assert export_csv(rows).splitlines()[1] == "2026-03-08T06:30:00+00:00"  # default: UTC
