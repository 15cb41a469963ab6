"""Moments staff type and leaders read: `--opens +2h`, `--publish 2026-12-03T09:00`, "Thu 3 Dec, 09:30".

Polls, content and announcements all take a WHEN on the command line (DESIGN: ISO 8601, `now`, or
`+90m`/`+2h`/`+3d`), so it is parsed in one place with one set of messages. A time typed without an
offset means local time where the service runs (UK time by default), because that is what a staff member
in London means by "09:00"; the result is always an aware UTC datetime, which is what the store keeps.
Relative times count from `directory.clock.now()`, so tests on a fake clock get exact answers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from directory import clock

DEFAULT_TZ = "Europe/London"
_RELATIVE = re.compile(r"^\+\s*(\d{1,6})\s*(m|min|mins|h|hr|hrs|d|day|days|w|wk|wks)$", re.IGNORECASE)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class WhenError(ValueError):
    """A time the person can fix; the message is one line, fit to show them."""


def zone(name: str) -> ZoneInfo:
    """The time zone called `name`, or a WhenError that says what a good name looks like."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WhenError(f"unknown time zone {name[:60]!r}: use a name such as Europe/London") from None


def parse_when(text: str, *, now: datetime | None = None, tz: str = DEFAULT_TZ) -> datetime:
    """`text` as an aware UTC moment: ISO 8601 (date or date-time), `now`, or `+90m`/`+2h`/`+3d`/`+1w`."""
    raw = (text or "").strip()
    moment = now or clock.now()
    if not raw:
        raise WhenError("a time is needed: ISO 8601 (2026-12-03T09:00), 'now', or +90m / +2h / +3d")
    if raw.lower() == "now":
        return moment.astimezone(UTC)
    relative = _RELATIVE.match(raw)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)[0].lower()
        return (moment + timedelta(**{_UNIT[unit]: amount})).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", raw)
                                        else raw)
    except ValueError:
        shown = raw[:40].replace("\n", " ")
        raise WhenError(f"cannot read {shown!r} as a time: use ISO 8601 (2026-12-03T09:00), 'now', "
                        "or +90m / +2h / +3d") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(tz))
    return parsed.astimezone(UTC)


def local(moment: datetime, tz: str = DEFAULT_TZ) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone(tz))


def format_moment(moment: datetime, tz: str = DEFAULT_TZ) -> str:
    """`Thu 3 Dec 2026, 09:30` in local time: what a card or a report shows."""
    shown = local(moment, tz)
    return f"{shown:%a} {shown.day} {shown:%b %Y, %H:%M}"


def format_day(moment: datetime | date, tz: str = DEFAULT_TZ) -> str:
    """`3 Dec`: the short form for "already accepted on 3 Dec"."""
    shown = local(moment, tz) if isinstance(moment, datetime) else moment
    return f"{shown.day} {shown:%b}"
