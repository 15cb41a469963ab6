"""Digest runs on the fake clock: who is due (cadence, local time, time zones, a daylight-saving change),
what each leader gets (new, live, their topics, their audience; at most N with "more"; split rather than
break a limit), and that nothing is ever sent twice — not across runs, not after a restart mid-run.
Typed `settings …` go through the engine as a leader's chat turn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.engine import Bot
from directory import content
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.database import Database
from directory.digests import DigestPreference, DigestSent
from directory.settings import Settings
from scheduler import digest_jobs
from tests.content_helpers import digest, digest_rows, publish, titles, topics
from tests.helpers import load_sample
from tests.live_helpers import link

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")  # local government, Northern Ireland
SEAN = ("USEAN", "sean.obrien@scotland.police.uk")  # policing, Scotland
ROSA = ("UROSA", "rosa.lee@nwas.nhs.uk")  # health, North West
MONDAY_0800_GMT = datetime(2030, 3, 25, 8, 0, tzinfo=UTC)  # the Monday before the clocks go forward
MONDAY_0800_BST = datetime(2030, 4, 1, 7, 0, tzinfo=UTC)  # 08:00 in London the Monday after


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    load_sample(db)
    topics(db)
    return {user: link(db, "slack", "T0001", user, email) for user, email in (AINE, SEAN, ROSA)}


def say(db: Database, user: str, text: str) -> str:
    bot = Bot(db, Settings(_env_file=None, LEADERS_DATABASE_URL=db.url))  # type: ignore[call-arg]
    return bot.handle_text(ChatIdentity("slack", "T0001", user), text).plain()


def to(db: Database, user: str) -> list[list[str]]:
    """The item titles of each digest message queued to `user`, in order."""
    return [titles(row) for row in digest_rows(db) if row.user_id == user]


def test_weekly_monday_0800_london_on_both_sides_of_the_clock_change(db, people, clock: FakeClock) -> None:
    clock.set(MONDAY_0800_GMT - timedelta(days=1))
    publish(db, "Ten steps to cyber security")
    clock.set(MONDAY_0800_GMT - timedelta(minutes=1))
    assert digest(db).due == 0 and digest_rows(db) == []
    clock.set(MONDAY_0800_GMT)  # 08:00 GMT = 08:00 UTC
    run = digest(db)
    assert (run.due, run.sent, run.unreachable) == (12, 3, 9)  # nine of the twelve are not in chat yet
    assert to(db, "UAINE") == [["Ten steps to cyber security"]]
    clock.advance(minutes=5)  # the next sweep: the slot was handled
    assert digest(db).due == 0
    clock.set(MONDAY_0800_BST - timedelta(days=2))
    publish(db, "Cyber workforce plan")
    clock.set(MONDAY_0800_BST - timedelta(minutes=1))  # 07:59 in London (06:59 UTC): not yet
    assert digest(db).due == 0
    clock.set(MONDAY_0800_BST)  # 08:00 BST = 07:00 UTC
    assert digest(db).sent == 3
    assert to(db, "UAINE") == [["Ten steps to cyber security"], ["Cyber workforce plan"]]  # nothing repeated


def test_daily_at_a_local_time_in_another_zone(db, people, clock: FakeClock) -> None:
    assert "Your digest now comes daily at 07:30" in say(db, "UAINE", "settings digest daily 07:30")
    assert "Asia/Tokyo" in say(db, "UAINE", "settings timezone asia/tokyo")
    clock.set(datetime(2030, 1, 15, 22, 0, tzinfo=UTC))
    publish(db, "Net zero estates", topic="net-zero")
    clock.set(datetime(2030, 1, 15, 22, 29, tzinfo=UTC))  # 07:29 on the 16th in Tokyo
    assert digest(db, leader_email=AINE[1]).due == 0
    clock.set(datetime(2030, 1, 15, 22, 30, tzinfo=UTC))
    assert digest(db, leader_email=AINE[1]).sent == 1
    clock.set(datetime(2030, 1, 16, 22, 30, tzinfo=UTC))  # the next day: due, but nothing new
    run = digest(db, leader_email=AINE[1])
    assert (run.due, run.sent, run.empty) == (1, 0, 1)
    assert len(to(db, "UAINE")) == 1  # an empty digest is not sent


def test_settings_typed_forms_and_their_refusals(db, people) -> None:
    changed = say(db, "USEAN", "settings digest weekly wed 18:15")
    assert "weekly on Wednesday at 18:15 (Europe/London)" in changed
    assert "cyber, workforce" in say(db, "USEAN", "settings topics cyber, workforce")
    assert "Nothing changed: unknown topic 'astrology'" in say(db, "USEAN", "settings topics astrology")
    assert "Nothing changed: “25:00” is not a time of day" in say(db, "USEAN", "settings digest daily 25:00")
    refused = say(db, "USEAN", "settings timezone Mars/Olympus")
    assert "Nothing changed: “Mars/Olympus” is not a time zone" in refused
    assert "Nothing changed: you are not linked on Teams" in say(db, "USEAN", "settings platform teams")
    shown = say(db, "USEAN", "settings")
    assert "Digest: weekly on Wednesday at 18:15 (Europe/London)" in shown
    assert "Topics: cyber, workforce" in shown
    assert "all topics" in say(db, "USEAN", "settings topics all")
    assert "Digests are off" in say(db, "USEAN", "settings digest off")
    assert digest(db, force=True, leader_email=SEAN[1]).due == 0  # off is never due, even with --now


def test_topics_audience_and_the_publish_window(db, people, clock: FakeClock) -> None:
    say(db, "UROSA", "settings topics workforce")
    publish(db, "For the police", topic="cyber", audience="sector:policing")
    publish(db, "Workforce census", topic="workforce")
    publish(db, "Next week", topic="cyber", publish_at=clock.now() + timedelta(days=7))
    publish(db, "Gone", topic="cyber", expires_at=clock.now() + timedelta(minutes=1))
    retired = publish(db, "Retired", topic="cyber")
    with db.session() as session:
        content.add_item(session, actor="leader:1", title="Not approved", url="https://gov.uk/d", summary="",
                         topics=["cyber"])
        content.retire(session, retired, "leader:2")
    clock.advance(minutes=2)
    digest(db, force=True)
    assert to(db, "USEAN") == [["Workforce census", "For the police"]]
    assert to(db, "UAINE") == [["Workforce census"]]
    assert to(db, "UROSA") == [["Workforce census"]]  # her topics: workforce only


def test_at_most_n_items_then_more_and_split_rather_than_break_a_limit(db, people, clock: FakeClock) -> None:
    for n in range(12):
        publish(db, f"Item {n:02d}")
        clock.advance(minutes=1)
    settings = Settings(_env_file=None, LEADERS_DATABASE_URL=db.url, LEADERS_DIGEST_MAX_ITEMS=5)  # type: ignore[call-arg]
    digest(db, settings, force=True, leader_email=AINE[1])
    (row,) = digest_rows(db)
    assert titles(row) == [f"Item {n:02d}" for n in range(11, 6, -1)]  # the newest five
    texts = [b["text"] for b in row.reply["blocks"] if b["type"] == "text"]
    assert "…and 7 more new for you: type `digest` to see the latest items." in texts
    assert any(t.startswith("This is your first digest. It comes weekly on Monday at 08:00 (Europe/London)")
               for t in texts)
    clock.advance(minutes=1)
    wide = Settings(_env_file=None, LEADERS_DATABASE_URL=db.url, LEADERS_DIGEST_MAX_ITEMS=20)  # type: ignore[call-arg]
    digest(db, wide, force=True, leader_email=AINE[1])  # the seven not sent yet, and no welcome again
    assert [len(titles(r)) for r in digest_rows(db)] == [5, 7]
    assert not any("first digest" in str(r.reply) for r in digest_rows(db)[1:])
    digest(db, wide, force=True, leader_email=SEAN[1])  # all twelve: two messages of at most ten
    parts = [r for r in digest_rows(db) if r.user_id == "USEAN"]
    assert [len(titles(r)) for r in parts] == [10, 2]
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in parts] == ["0", "1"]


def test_a_restart_mid_run_never_doubles_a_digest(db, people, clock: FakeClock, monkeypatch) -> None:
    publish(db, "Ten steps to cyber security")
    clock.set(MONDAY_0800_GMT)
    real = digest_jobs._batch
    calls = []

    def crash_on_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("killed mid-run")
        return real(*args, **kwargs)

    monkeypatch.setattr(digest_jobs, "_batch", crash_on_second)
    with pytest.raises(SystemExit):
        digest(db, batch=1)
    assert len(digest_rows(db)) == 1  # the first leader's batch committed; the second rolled back whole
    monkeypatch.setattr(digest_jobs, "_batch", real)
    clock.advance(minutes=5)
    run = digest(db, batch=1)
    assert (run.due, run.sent) == (11, 2)  # everyone but the leader whose batch was done
    assert sorted(r.user_id for r in digest_rows(db)) == ["UAINE", "UROSA", "USEAN"]
    digest_jobs.run(db.url)  # the sweep itself, again: nothing more
    assert len(digest_rows(db)) == 3
    with db.session() as session:
        assert len(session.scalars(select(DigestSent)).all()) == 3
        assert {p.last_slot.replace(tzinfo=UTC) if p.last_slot.tzinfo is None else p.last_slot
                for p in session.scalars(select(DigestPreference))} == {MONDAY_0800_GMT}


def test_digest_run_on_the_command_line(db, people, leaders) -> None:
    publish(db, "Ten steps to cyber security")
    missing = leaders("digest", "run", "--leader", "nobody@example.gov.uk")
    assert missing.returncode == 2 and "no leader with the email" in missing.stderr
    ran = leaders("digest", "run", "--now", "--leader", AINE[1])
    assert ran.returncode == 0 and "1 due; 1 digest queued (1 message)" in ran.stdout
    again = leaders("digest", "run", "--now")
    assert "12 due; 2 digests queued (2 messages); 1 with nothing new; 9 not reachable" in again.stdout


def test_a_leader_on_both_platforms_gets_one_digest_where_they_chose(db, people) -> None:
    publish(db, "Ten steps to cyber security")
    link(db, "teams", "tenant-1", "aad-aine", AINE[1])  # linked later: the default
    assert "now come to you on Slack" in say(db, "UAINE", "settings platform slack")
    digest(db, force=True, leader_email=AINE[1])
    assert [(r.platform, r.user_id) for r in digest_rows(db)] == [("slack", "UAINE")]
    with db.session() as session:
        from directory.people import by_email
        from directory.preferred_account import preferred_account, preferred_accounts

        leaders = [by_email(session, email) for _, email in (AINE, SEAN, ROSA)]
        batch = preferred_accounts(session, leaders)  # type: ignore[arg-type]
        assert {k: v.id for k, v in batch.items()} == {
            leader.id: preferred_account(session, leader).id for leader in leaders}  # type: ignore[union-attr]


def test_two_digest_runs_now_in_one_minute_are_two_digests(db, people, clock: FakeClock) -> None:
    publish(db, "First")
    digest(db, force=True, leader_email=AINE[1])
    clock.advance(seconds=5)
    publish(db, "Second")
    digest(db, force=True, leader_email=AINE[1])
    assert to(db, "UAINE") == [["First"], ["Second"]]
