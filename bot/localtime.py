"""The clinic's local calendar: which local day an instant falls on, and which instants a local
day spans. Storage stays UTC; the console shows and filters by the clinic's days.

Pure functions of aware datetimes and a `tzinfo` (Settings.zone), DST-correct: a local day
is from one local midnight to the next, so it lasts 23 or 25 hours on the days the clocks
change. Where a zone changes its clocks at midnight itself, the day starts at its first
instant (the stdlib's fold=0 reading of a missing or repeated midnight gives exactly that).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class UnknownTimeZone(ValueError):
    """The name is not an IANA time zone in the time zone database (e.g. a typo)."""


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name` (e.g. "America/New_York"), or `UnknownTimeZone`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as e:
        # ValueError: not a relative key; OSError: a directory of the database ("America").
        raise UnknownTimeZone(
            f"unknown time zone {name!r}: use an IANA name such as 'America/New_York', "
            "'Europe/London' or 'UTC'"
        ) from e


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The clinic's calendar day at `moment` (an aware datetime)."""
    return moment.astimezone(zone).date()


def day_start(day: date, zone: tzinfo) -> datetime:
    """The first instant of the local `day`, as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def days_span(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering the local days `first` to `last`, both included."""
    return day_start(first, zone), day_start(last + timedelta(days=1), zone)


def format_local(moment: datetime, zone: tzinfo) -> str:
    """The clinic's wall-clock time and the zone's abbreviation, e.g. 2026-03-08 01:30 EST."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
