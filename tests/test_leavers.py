"""Leavers and directory health: a leaver is no longer found or shown on any platform, chat links end,
the audit log keeps the record, hooks run; the health report's counts on a directory built for the test."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from adapters.teams.extension import extension_result
from bot.engine import Bot
from directory import leavers
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.database import Database
from directory.health import as_json, report
from directory.models import AuditEvent, ChatAccount, Leader
from directory.people import LeaderInput, by_email, upsert_leaders
from directory.search import search
from directory.search_index import rebuild
from directory.settings import Settings

GONE = "gone@example.gov.uk"
SLACK_GONE = ChatIdentity("slack", "T1", "UGONE", GONE)
TEAMS_GONE = ChatIdentity("teams", "tenant", "teams-gone", GONE)
SLACK_PEER = ChatIdentity("slack", "T1", "UPEER", "peer@example.gov.uk")
TEAMS_PEER = ChatIdentity("teams", "tenant", "teams-peer", "peer@example.gov.uk")


def directory(db: Database) -> Bot:
    with db.session() as session:
        upsert_leaders(session, [
            LeaderInput(email=GONE, full_name="Gwen Gone", role="Chief Fire Officer",
                        organisation="Example Fire and Rescue", sector="fire-and-rescue",
                        expertise="major incidents"),
            LeaderInput(email="peer@example.gov.uk", full_name="Pia Peer", role="Chief Executive",
                        organisation="Example Council", sector="local-government")])
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    bot.handle_text(SLACK_GONE, "help")
    bot.handle_text(SLACK_PEER, "help")
    return bot


def test_a_leaver_is_no_longer_found_or_shown_anywhere(db: Database, leaders, clock: FakeClock) -> None:
    bot = directory(db)
    with db.session() as session:
        gone_id = session.scalar(select(Leader.id).where(Leader.email_key == GONE))
    assert "Gwen Gone" in bot.handle_text(SLACK_PEER, "find chief fire officer").plain()
    done = leaders("leaver", GONE, "--date", "2026-11-30")  # the CLI runs on the real clock
    assert done.returncode == 0, done.stderr
    assert "1 chat link ended" in done.stdout
    for identity in (SLACK_PEER, TEAMS_PEER):
        for words in ("find chief fire officer", "find gwen gone", "find sector:fire", "find tag:major",
                      "profile gwen gone", f"profile {GONE}"):
            reply = bot.handle_text(identity, words)
            assert "Gwen Gone" not in reply.plain(), (identity.platform, words)
        assert "Gwen Gone" not in json.dumps(extension_result(bot.handle_text(identity, "gwen", shared=True)))
        assert "Gwen Gone" not in bot.handle_action(identity, f"profile.view:{gone_id}").plain()
    # Her own chat account is a stranger's now, on either platform, even with her confirmed email.
    for identity in (SLACK_GONE, TEAMS_GONE):
        assert "Gwen Gone" not in bot.handle_text(identity, "profile").plain()
    with db.session() as session:
        gone = by_email(session, GONE)
        assert gone is not None and gone.left_at is not None
        assert gone.left_at.date().isoformat() == "2026-11-30"
        assert all(a.revoked_at for a in session.scalars(select(ChatAccount)
                                                          .where(ChatAccount.leader_id == gone.id)))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "leader.left"))
        assert event is not None and event.subject == f"leader:{gone.id}"
        assert GONE not in json.dumps(event.details)
        rebuild(session)  # a reindex (or a re-import of the row) does not bring her back
        upsert_leaders(session, [LeaderInput(email=GONE, full_name="Gwen Gone", role="Chief Fire Officer",
                                             organisation="Elsewhere", sector="fire-and-rescue")])
        assert search(session, "gwen gone") == []
    again = leaders("leaver", GONE)
    assert again.returncode != 0 and "already marked" in again.stderr


def test_leaver_hooks_run_in_the_same_transaction(db: Database) -> None:
    directory(db)
    seen: list[str] = []
    def hook(session, leader) -> None:  # type: ignore[no-untyped-def]
        seen.append(leader.email)

    leavers.ON_LEAVER.append(hook)
    try:
        with db.session() as session:
            leader = by_email(session, GONE)
            assert leader is not None
            assert leavers.mark_leaver(session, leader, "cli:test") == 1
    finally:
        leavers.ON_LEAVER.remove(hook)  # only ours: the features' own hooks (introductions) stay
    assert seen == [GONE]


def test_bad_leaver_commands_change_nothing(db: Database, leaders) -> None:
    directory(db)
    for args, message in ((("nobody@example.gov.uk",), "no leader has the email"),
                          ((GONE, "--date", "next tuesday"), "nothing changed"),
                          ((GONE, "--date", "2999-01-01"), "in the future")):
        done = leaders("leaver", *args)
        assert done.returncode != 0 and message in done.stderr, done.stderr
    with db.session() as session:
        assert search(session, "gwen gone")


def test_directory_health_counts_by_sector(db: Database, leaders, clock: FakeClock) -> None:
    with db.session() as session:
        upsert_leaders(session, [
            LeaderInput(email="a@x.gov.uk", full_name="A A", role="Chief Nurse", organisation="T",
                        sector="health", region="London", expertise="x", bio="b"),
            LeaderInput(email="b@x.gov.uk", full_name="B B", role="Chief Nurse", organisation="T",
                        sector="health"),
            LeaderInput(email="c@x.gov.uk", full_name="C C", role="Chief Constable", organisation="P",
                        sector="policing", region="Wales", expertise="y", bio="c"),
            LeaderInput(email="d@x.gov.uk", full_name="D D", role="Chief Constable", organisation="P",
                        sector="policing", region="Wales", expertise="y", bio="c")])
    Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None)).handle_text(  # type: ignore[call-arg]
        ChatIdentity("slack", "T1", "UA", "a@x.gov.uk"), "help")
    clock.advance(timedelta(days=400))
    with db.session() as session:
        c = by_email(session, "c@x.gov.uk")
        d = by_email(session, "d@x.gov.uk")
        assert c is not None and d is not None
        c.confirmed_at = clock.now() - timedelta(days=10)
        leavers.mark_leaver(session, d, "cli:test")
    with db.session() as session:  # in this process: the fake clock decides what is stale
        health = as_json(report(session))
    by_sector = {s["sector"]: s for s in health["sectors"]}
    assert set(by_sector) == {"health", "policing"}
    assert by_sector["health"] == {"sector": "health", "leaders": 2, "stale": 2, "never_confirmed": 2,
                                   "incomplete": 1, "missing": {"region": 1, "expertise": 1, "bio": 1},
                                   "unlinked": 1}
    assert by_sector["policing"] == {"sector": "policing", "leaders": 1, "stale": 0, "never_confirmed": 0,
                                     "incomplete": 0, "missing": {}, "unlinked": 1}
    assert health["total"]["leaders"] == 3 and health["total"]["stale"] == 2
    done = leaders("directory", "health", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["total"]["leaders"] == 3, done.stderr
    table = leaders("directory", "health")
    assert table.returncode == 0 and "Policing" in table.stdout
