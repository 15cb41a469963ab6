"""The one clock the application reads: the time now, as an aware UTC datetime.

Everything that stamps or compares a moment — model defaults (`directory.models.utcnow`), link expiry,
the daily cap's day, leases in the outbox, and later introductions' expiry, poll schedules and digests in
each leader's time zone — asks `now()`. In production that is the system clock. Tests install a
`FakeClock` instead, fixed or moved by hand, so a reply that shows a date renders the same on any day and
"eleven minutes later" is a call rather than a wait.

The clock is process-wide, not per thread or per context: chat turns run on the turn threads and
scheduled jobs on the scheduler's, and all of them must see the same time. Installing is a single
reference swap and `FakeClock` guards its own moment with a lock, so reading the clock from many threads
while a test advances it is safe.

    from directory import clock

    fake = clock.FakeClock(datetime(2030, 1, 15, 9, 30, tzinfo=UTC))
    with clock.installed(fake):
        ...                         # everything sees 15 Jan 2030 09:30 UTC
        fake.advance(minutes=11)    # ... and now 09:41
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock: what production runs on."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until told to move: fixed for golden replies, advanced for expiry."""

    def __init__(self, moment: datetime) -> None:
        self._moment = _utc(moment)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._moment

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._moment = _utc(moment)

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by `delta` or by keyword parts (`minutes=11`); returns the new moment."""
        step = (delta or timedelta()) + timedelta(**parts)
        if step < timedelta():
            raise ValueError("a clock only moves forward; use set() to go back")
        with self._lock:
            self._moment += step
            return self._moment


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the clock holds aware datetimes only (e.g. tzinfo=UTC)")
    return moment.astimezone(UTC)


_current: Clock = SystemClock()


def now() -> datetime:
    """The current moment (aware, UTC) by the installed clock."""
    return _current.now()


def install(new: Clock) -> Clock:
    """Make `new` the process's clock; returns the one it replaces (to put back)."""
    global _current
    previous, _current = _current, new
    return previous


@contextmanager
def installed(new: Clock) -> Iterator[Clock]:
    """`new` is the clock inside the block; the previous one is restored after, even on error."""
    previous = install(new)
    try:
        yield new
    finally:
        install(previous)
