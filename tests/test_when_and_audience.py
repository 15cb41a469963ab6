"""The shared foundations of polls, content and announcements: WHEN, audiences, the preferred account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from directory import clock
from directory.audience import count, matches, parse_audience, resolve
from directory.database import Database
from directory.models import ChatAccount, Leader
from directory.preferred_account import preferred_account, set_preferred_platform
from directory.search_query import QueryError
from directory.when import WhenError, format_day, format_moment, parse_when
from scheduler.jobs import SWEEPS, Sweep, add_sweeps
from tests.helpers import load_sample

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_relative_and_named_times_count_from_the_clock() -> None:
    with clock.installed(clock.FakeClock(NOW)):
        assert parse_when("now") == NOW
        assert parse_when("+90m") == NOW + timedelta(minutes=90)
        assert parse_when("+2h") == NOW + timedelta(hours=2)
        assert parse_when("+3d") == NOW + timedelta(days=3)
        assert parse_when("+1w") == NOW + timedelta(weeks=1)


def test_a_time_without_an_offset_is_uk_time_on_both_sides_of_the_clock_change() -> None:
    assert parse_when("2026-06-03T09:00", now=NOW) == datetime(2026, 6, 3, 8, 0, tzinfo=UTC)  # BST
    assert parse_when("2026-12-03 09:00", now=NOW) == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # GMT
    assert parse_when("2026-12-03T09:00+01:00", now=NOW) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert parse_when("2026-12-03", now=NOW) == datetime(2026, 12, 3, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["", "tomorrow", "+5y", "2026-13-01", "'; DROP TABLE poll; --"])
def test_a_time_that_cannot_be_read_says_what_would_be(typed: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(typed, now=NOW)
    message = str(caught.value)
    assert "\n" not in message and ("ISO 8601" in message or "needed" in message)


def test_moments_read_as_people_write_them() -> None:
    assert format_moment(datetime(2026, 12, 3, 9, 30, tzinfo=UTC)) == "Thu 3 Dec 2026, 09:30"
    assert format_moment(datetime(2026, 6, 3, 8, 30, tzinfo=UTC)) == "Wed 3 Jun 2026, 09:30"
    assert format_day(datetime(2026, 12, 3, 23, 30, tzinfo=UTC)) == "3 Dec"
    assert format_day(datetime(2026, 6, 3, 23, 30, tzinfo=UTC)) == "4 Jun"  # already the 4th in London


def test_an_audience_holds_everyone_who_fits_by_the_values_staff_hold(db: Database) -> None:
    load_sample(db)
    with db.session() as session:
        everyone = resolve(session, parse_audience("everyone"))
        assert len(everyone) == session.query(Leader).count() == count(session, parse_audience(""))
        welsh = session.scalars(select(Leader).where(Leader.region == "Wales")).all()
        assert welsh, "the sample has leaders in Wales"
        # One of them hides their region from other leaders: staff still reach them.
        welsh[0].visibility = {**welsh[0].visibility, "region": "staff"}
        session.flush()
        assert resolve(session, parse_audience("region:wales")) == sorted(le.id for le in welsh)
        police = resolve(session, parse_audience("sector:police"))
        assert police and all(session.get(Leader, i).sector == "policing" for i in police)
        chiefs = resolve(session, parse_audience("chief const"))  # last word as a prefix
        assert chiefs and all("Chief Constable" in session.get(Leader, i).role for i in chiefs)
        both = parse_audience("sector:policing region:scotland")
        for leader in session.scalars(select(Leader)):
            assert matches(leader, both) == (leader.id in resolve(session, both))


def test_a_bad_audience_filter_is_named_and_hostile_text_is_only_words(db: Database) -> None:
    load_sample(db)
    with pytest.raises(QueryError):
        parse_audience("sector:astrology")
    with db.session() as session:
        assert resolve(session, parse_audience("'; DELETE FROM leader; -- %")) == []
        assert session.query(Leader).count() > 0


def _link(session, leader: Leader, platform: str, user: str, at: datetime) -> ChatAccount:
    account = ChatAccount(platform=platform, workspace_id="W1", user_id=user, leader_id=leader.id,
                          linked_via="test", created_at=at)
    session.add(account)
    session.flush()
    return account


def test_the_preferred_account_is_the_chosen_platform_or_the_newest_link(db: Database) -> None:
    load_sample(db)
    with db.session() as session:
        leader = session.scalars(select(Leader).order_by(Leader.id)).first()
        assert preferred_account(session, leader) is None
        with pytest.raises(ValueError, match="not linked on Teams"):
            set_preferred_platform(session, leader, "teams")
        slack = _link(session, leader, "slack", "U1", NOW - timedelta(days=2))
        teams = _link(session, leader, "teams", "29:1", NOW - timedelta(days=1))
        assert preferred_account(session, leader).id == teams.id
        set_preferred_platform(session, leader, "Slack")
        assert preferred_account(session, leader).id == slack.id
        slack.revoked_at = NOW
        session.flush()
        assert preferred_account(session, leader).id == teams.id
        with pytest.raises(ValueError, match="choose slack or teams"):
            set_preferred_platform(session, leader, "fax")


def test_registered_sweeps_are_scheduled_by_reference_with_the_database_url() -> None:
    added: list[tuple] = []

    class Recorder:
        def add_job(self, func: str, trigger: str, **kwargs: object) -> None:
            added.append((func, trigger, kwargs))

    SWEEPS.append(Sweep("probe", "tests.test_when_and_audience:_probe", timedelta(minutes=5)))
    try:
        add_sweeps(Recorder(), "sqlite:///x.db")
    finally:
        SWEEPS.pop()
    assert ("tests.test_when_and_audience:_probe", "interval",
            {"seconds": 300.0, "id": "sweep:probe", "args": ["sqlite:///x.db"], "replace_existing": True}) \
        in added


def _probe(url: str) -> None:
    """A sweep for the registry test; never run."""
