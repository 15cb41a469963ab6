"""The application's clock: what production reads, what tests fix, and that every stamp follows it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from directory import clock as app_clock
from directory.accounts import ChatIdentity, resolve
from directory.clock import FakeClock, SystemClock
from directory.database import Database
from directory.models import AuditEvent, ChatAccount, utcnow
from tests.conftest import FIXED_NOW
from tests.helpers import load_sample


def test_the_system_clock_is_aware_utc_and_is_the_default() -> None:
    moment = app_clock.now()
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    assert isinstance(app_clock.install(SystemClock()), SystemClock)  # nothing installed: the system's


def test_a_fake_clock_stands_still_until_advanced(clock: FakeClock) -> None:
    assert app_clock.now() == utcnow() == FIXED_NOW
    assert clock.advance(minutes=11) == FIXED_NOW + timedelta(minutes=11) == app_clock.now()
    clock.set(datetime(2031, 6, 1, 12, tzinfo=timezone(timedelta(hours=2))))  # any zone, kept as UTC
    assert app_clock.now() == datetime(2031, 6, 1, 10, tzinfo=UTC) and app_clock.now().tzinfo is UTC
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="aware"):
        FakeClock(datetime(2030, 1, 1))  # naive: which zone would it be?


def test_installing_is_undone_after_the_block_even_on_error() -> None:
    before = type(app_clock.install(SystemClock()))
    with pytest.raises(RuntimeError), app_clock.installed(FakeClock(FIXED_NOW)):
        assert app_clock.now() == FIXED_NOW
        raise RuntimeError("the test failed")
    assert before is SystemClock and app_clock.now() != FIXED_NOW


def test_turn_threads_see_the_clock_the_test_installed(clock: FakeClock) -> None:
    """Turns run on other threads than the test: the clock is the process's, not a thread's."""
    seen: list[datetime] = []
    advanced = threading.Event()

    def turn() -> None:
        seen.append(app_clock.now())
        advanced.wait(5)
        seen.append(app_clock.now())

    thread = threading.Thread(target=turn)
    thread.start()
    while not seen:
        threading.Event().wait(0.001)
    clock.advance(hours=1)
    advanced.set()
    thread.join(5)
    assert seen == [FIXED_NOW, FIXED_NOW + timedelta(hours=1)]


def test_every_default_timestamp_follows_the_clock(clock: FakeClock, db: Database) -> None:
    load_sample(db)
    clock.advance(days=2)
    with db.session() as session:
        resolve(session, ChatIdentity("slack", "T1", "UKIM", "kim.chen@manchester.gov.uk"))
    with db.session(commit=False) as session:
        created = session.scalars(select(ChatAccount.created_at)).one()
        stamps = list(session.scalars(select(AuditEvent.at)))
    expected = FIXED_NOW + timedelta(days=2)
    assert stamps and [_aware(created), *map(_aware, stamps)] == [expected] * (1 + len(stamps))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
