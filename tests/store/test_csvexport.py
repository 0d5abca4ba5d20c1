"""CSV export: spreadsheet formulas in cells are neutralised, everything else is kept as is."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.store.csvexport import export_csv, neutralise


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
