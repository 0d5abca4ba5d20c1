"""The console works in the clinic's time zone (CLINICBOT_TIMEZONE); storage stays UTC.

2026-03-08 is the day New York moves its clocks forward (02:00 EST -> 03:00 EDT), so that
local day lasts 23 hours: 05:00 UTC on the 8th to 04:00 UTC on the 9th. The console tests
run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from bot.index import VERSIONS, read_current, read_manifest
from bot.localtime import (
    UnknownTimeZone,
    day_start,
    days_span,
    format_local,
    local_date,
    zone_named,
)
from bot.settings import InvalidSettings, Settings, load_settings
from bot.staff import main as staff_cli
from bot.store.repo import ChatLog
from bot.types import Reply
from tests.support.accounts import add_staff_accounts
from tests.support.fakes import FakeClock

from .support import Console, conversation_id, insurance_citation, mounted

NEW_YORK = ZoneInfo("America/New_York")
# session id -> when its one message was logged (UTC), and the New York wall clock
MESSAGES = {
    "before": (datetime(2026, 3, 8, 4, 30, tzinfo=UTC), "2026-03-07 23:30 EST"),
    "early": (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), "2026-03-08 01:30 EST"),
    "late": (datetime(2026, 3, 9, 3, 30, tzinfo=UTC), "2026-03-08 23:30 EDT"),  # the 9th in UTC
    "after": (datetime(2026, 3, 9, 4, 0, tzinfo=UTC), "2026-03-09 00:00 EDT"),
}
NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


# --- the local calendar (pure) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", date(2026, 3, 8), 23),  # spring forward at 02:00
        ("America/New_York", date(2026, 11, 1), 25),  # fall back at 02:00
        ("America/New_York", date(2026, 7, 1), 24),
        ("America/Havana", date(2026, 3, 8), 23),  # 00:00 never happens: the day starts 01:00
        ("America/Sao_Paulo", date(2018, 11, 4), 23),  # likewise, in 2018
        ("America/Sao_Paulo", date(2018, 2, 17), 25),  # the hour before midnight repeats
        ("Australia/Lord_Howe", date(2026, 4, 5), 24.5),  # half-hour daylight saving
        ("Asia/Kathmandu", date(2026, 1, 1), 24),  # UTC+5:45
        ("UTC", date(2026, 3, 8), 24),
    ],
)
def test_a_local_day_runs_from_its_first_instant_to_the_next_days(
    zone: str, day: date, hours: float
) -> None:
    tz = ZoneInfo(zone)
    start, end = days_span(day, day, tz)
    assert end - start == timedelta(hours=hours)
    assert local_date(start, tz) == day
    assert local_date(start - timedelta(microseconds=1), tz) == day - timedelta(days=1)
    assert local_date(end, tz) == day + timedelta(days=1)
    moment = start - timedelta(hours=3)
    while moment < end + timedelta(hours=3):  # every quarter hour, and a second before each
        for t in (moment, moment - timedelta(seconds=1)):
            assert (local_date(t, tz) == day) == (start <= t < end), t
        moment += timedelta(minutes=15)


def test_day_start_is_utc() -> None:
    start = day_start(date(2026, 3, 8), NEW_YORK)
    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC) and start.utcoffset() == timedelta(0)


# --- the setting -----------------------------------------------------------------------------


def test_the_time_zone_defaults_to_utc_and_takes_iana_names() -> None:
    assert Settings().timezone == "UTC" and Settings().zone == ZoneInfo("UTC")
    assert Settings(timezone=" America/New_York ").zone == NEW_YORK


@pytest.mark.parametrize("name", ["America/New_Yrok", "America", "EST-5", "", "../etc/passwd"])
def test_a_mistyped_time_zone_is_refused_when_the_settings_load(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UnknownTimeZone):
        zone_named(name)
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(timezone=name)
    monkeypatch.setenv("CLINICBOT_TIMEZONE", name)
    with pytest.raises(InvalidSettings) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith("invalid setting CLINICBOT_TIMEZONE: unknown time zone")
    assert "America/New_York" in message and "\n" not in message


def test_the_staff_command_reports_a_mistyped_time_zone_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("CLINICBOT_TIMEZONE", "Europe/Londn")
    assert staff_cli(["list", "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CLINICBOT_TIMEZONE" in err and "Europe/Londn" in err


# --- the console --------------------------------------------------------------------------------


def log_messages(chatlog: ChatLog, clock: FakeClock) -> dict[str, str]:
    """One conversation per MESSAGES entry; returns session id -> conversation id."""
    add_staff_accounts(chatlog)
    for session_id, (when, _) in MESSAGES.items():
        clock.now = when
        reply = Reply(f"{session_id} question", "answer", "Yes [1].", (insurance_citation(),))
        chatlog.log_reply(session_id, reply)
    clock.now = NOW
    return {session_id: conversation_id(chatlog, session_id) for session_id in MESSAGES}


@pytest.fixture
def conversations(chatlog: ChatLog, clock: FakeClock) -> dict[str, str]:
    return log_messages(chatlog, clock)


@pytest.fixture
def new_york(
    make_app: Callable[..., FastAPI], settings: Settings, conversations: dict[str, str]
) -> Console:
    """Signed in to a console whose clinic is in New York."""
    clinic = settings.model_copy(update={"timezone": "America/New_York"})
    console = Console(mounted(make_app(clinic)))
    assert console.login("ana").status_code == 303
    return console


@pytest.fixture
def utc(site: FastAPI, conversations: dict[str, str]) -> Console:
    """Signed in to a console left at the default time zone, UTC."""
    console = Console(site)
    assert console.login("ana").status_code == 303
    return console


def test_times_are_shown_on_the_clinics_clock_with_the_zones_abbreviation(
    new_york: Console, conversations: dict[str, str]
) -> None:
    for session_id, (_, shown) in MESSAGES.items():
        page = new_york.get(f"/conversations/{conversations[session_id]}").text
        assert f"<time>{shown}</time>" in page, session_id
    listing = new_york.get("/conversations").text
    assert all(shown in listing for _, shown in MESSAGES.values())
    assert "Times are in America/New_York" in listing
    assert " UTC</" not in listing


def test_the_default_time_zone_shows_utc(utc: Console, conversations: dict[str, str]) -> None:
    page = utc.get(f"/conversations/{conversations['early']}").text
    assert "<time>2026-03-08 06:30 UTC</time>" in page


def listed(console: Console, query: str) -> set[str]:
    """The session ids (by their question) the conversation list shows for `query`."""
    page = console.get(f"/conversations?{query}")
    assert page.status_code == 200
    return set(re.findall(r">(\w+) question</a>", page.text))


def test_a_date_filter_day_is_the_clinics_day_midnight_to_midnight(
    new_york: Console, utc: Console
) -> None:
    assert listed(new_york, "start=2026-03-08&end=2026-03-08") == {"early", "late"}
    assert listed(new_york, "start=2026-03-07&end=2026-03-07") == {"before"}
    assert listed(new_york, "start=2026-03-09") == {"after"}
    assert listed(new_york, "end=2026-03-07") == {"before"}
    # The same filter with the default zone takes UTC days.
    assert listed(utc, "start=2026-03-08&end=2026-03-08") == {"before", "early"}


def day_totals(console: Console) -> dict[str, str]:
    """Insights' chart: local day -> its bar's summary (the SVG title)."""
    page = console.get("/insights?days=7").text
    return dict(re.findall(r"<title>(\d{4}-\d\d-\d\d): ([^<]*)</title>", page))


def test_replies_per_day_count_the_clinics_days(new_york: Console, utc: Console) -> None:
    bars = day_totals(new_york)
    assert list(bars)[-1] == "2026-03-09"  # today, in New York
    assert (bars["2026-03-07"], bars["2026-03-08"], bars["2026-03-09"]) == (
        "1 reply, 1 answer",
        "2 replies, 2 answer",
        "1 reply, 1 answer",
    )
    page = new_york.get("/insights?days=7").text
    assert "Day (America/New_York)" in page
    assert re.search(r"<tr><td>2026-03-08</td>.*?<td class=\"num\">2</td></tr>", page)
    bars = day_totals(utc)
    assert (bars["2026-03-07"], bars["2026-03-08"], bars["2026-03-09"]) == (
        "0 replies",
        "2 replies, 2 answer",
        "2 replies, 2 answer",
    )


def test_the_csv_export_gives_times_with_the_clinics_offset(new_york: Console) -> None:
    response = new_york.get("/conversations.csv?start=2026-03-08&end=2026-03-08")
    assert response.status_code == 200
    assert "2026-03-08T01:30:00-05:00" in response.text  # early, EST
    assert "2026-03-08T23:30:00-04:00" in response.text  # late, EDT
    assert "+00:00" not in response.text
    # the file name carries the clinic's time too (15:00 UTC is 11:00 EDT)
    assert "conversations-20260309-1100.csv" in response.headers["content-disposition"]


def test_the_editor_shows_the_index_publish_time_on_the_clinics_clock(
    make_app: Callable[..., FastAPI],
    settings: Settings,
    conversations: dict[str, str],
    index_dir: Path,
) -> None:
    clinic = settings.model_copy(update={"timezone": "America/New_York"})
    editor = Console(mounted(make_app(clinic)))
    assert editor.login("eddie").status_code == 303
    assert editor.post("/editor/publish").status_code == 200
    version = read_current(index_dir)
    assert version is not None
    published = read_manifest(index_dir / VERSIONS / version).created_at  # UTC, ISO 8601

    page = editor.get("/editor").text

    shown = format_local(datetime.fromisoformat(published), NEW_YORK)
    assert f"<dt>Published</dt><dd>{shown}</dd>" in page
    assert shown.endswith((" EST", " EDT"))
