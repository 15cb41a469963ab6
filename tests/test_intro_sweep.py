"""The introductions sweep with the fake clock: one reminder after 3 days, expiry after 14 (requester
told), "Not now" asked again after 7, "did you meet?" 14 days after Accept — each once, however many times
the sweep runs, and each through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.engine import Bot
from bot.intro_sweep import run, sweep
from bot.reply_codec import reply_from_json
from directory import audit
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.introductions import Introduction
from directory.outbox import SEND, OutboxMessage
from directory.settings import Settings
from tests.helpers import load_sample
from tests.live_helpers import link

AINE = ChatIdentity("slack", "T0001", "UAINE", email="aine.nibhriain@belfastcity.gov.uk")
SEAN = ChatIdentity("teams", "tenant-1", "aad-sean", email="sean.obrien@scotland.police.uk")
REASON = "I'd value your experience of major incidents as we plan for winter."


@pytest.fixture
def world(db: Database, clock):  # type: ignore[no-untyped-def]
    load_sample(db)
    aine = link(db, "slack", "T0001", "UAINE", AINE.email or "")
    sean = link(db, "teams", "tenant-1", "aad-sean", SEAN.email or "")
    settings = Settings(LEADERS_DATABASE_URL=db.url, _env_file=None)  # type: ignore[call-arg]
    bot = Bot(db, settings)
    assert "on its way" in bot.handle_text(AINE, f"intro Seán O'Brien {REASON}").plain()
    return bot, settings, clock, aine, sean


def keys(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == SEND)
                                    .order_by(OutboxMessage.id)))


def content(db: Database, key: str) -> str:
    with db.session() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert row is not None, key
        return reply_from_json(row.reply).plain()


def the_intro(db: Database) -> Introduction:
    with db.session() as session:
        intro = session.scalars(select(Introduction)).one()
        session.expunge(intro)
        return intro


def press(bot: Bot, who: ChatIdentity, label: str, intro: Introduction) -> str:
    verb = {"Accept": "accept", "Not now": "notnow", "Decline": "decline"}[label]
    return bot.handle_action(who, f"intro.{verb}:{intro.id}~{intro.revision}").plain()


def test_one_reminder_after_three_days_however_often_the_sweep_runs(world, db: Database) -> None:
    bot, settings, clock, aine, sean = world
    intro = the_intro(db)
    clock.advance(days=2, hours=23)
    assert sweep(db, settings).reminded == 0
    clock.advance(hours=2)
    assert sweep(db, settings).reminded == 1
    assert sweep(db, settings).reminded == 0
    clock.advance(days=3)
    assert sweep(db, settings).reminded == 0
    reminder = f"intro:{intro.id}:remind:to:{sean}"
    assert keys(db) == [f"intro:{intro.id}:to:{sean}", f"intro:{intro.id}:to:{aine}", reminder]
    shown = content(db, reminder)
    assert shown.startswith("A reminder: Áine Ní Bhriain is waiting for your answer") and "[Accept]" in shown
    # The reminder is a card of the request like the first: accepting redraws it too.
    press(bot, SEAN, "Accept", the_intro(db))
    assert content(db, reminder).startswith("Introduction accepted on")


def test_expiry_after_fourteen_days_tells_the_requester_and_redraws_both_cards(world, db: Database) -> None:
    bot, settings, clock, aine, sean = world
    intro = the_intro(db)
    clock.advance(days=14, minutes=1)
    assert sweep(db, settings).expired == 1
    assert run(db.url).expired == 0  # the scheduler's entry point, run again: nothing more
    done = the_intro(db)
    assert (done.status, done.revision) == ("expired", 1)
    told = content(db, f"intro:{intro.id}:expired:{aine}")
    assert told.startswith("Your introduction request to Seán O'Brien has expired")
    assert content(db, f"intro:{intro.id}:to:{sean}").startswith("This request expired on 29 Jan")
    assert content(db, f"intro:{intro.id}:to:{aine}").startswith("Your request to Seán O'Brien expired")
    assert press(bot, SEAN, "Accept", intro).startswith("This request expired without an answer")
    with db.session() as session:
        assert [e.actor for e in audit.lines(session, action="intro.expired")] == ["scheduler:intros"]


def test_not_now_is_asked_again_after_seven_days(world, db: Database) -> None:
    bot, settings, clock, _, sean = world
    intro = the_intro(db)
    assert "we'll ask again on 22 Jan" in press(bot, SEAN, "Not now", intro)
    clock.advance(days=6)
    assert sweep(db, settings).asked_again == 0
    clock.advance(days=1, minutes=1)
    assert sweep(db, settings).asked_again == 1
    assert sweep(db, settings).asked_again == 0
    again = the_intro(db)
    assert (again.status, again.revision) == ("requested", 2)
    asked = content(db, f"intro:{intro.id}:ask2:to:{sean}")
    assert asked.startswith("You said not now a while ago — here it is again") and "[Accept]" in asked
    assert "we'll ask again" not in content(db, f"intro:{intro.id}:to:{sean}")
    assert press(bot, SEAN, "Accept", again).startswith("Introduction accepted")


def test_did_you_meet_is_asked_once_of_each_side_fourteen_days_after_accept(world, db: Database) -> None:
    bot, settings, clock, aine, sean = world
    intro = the_intro(db)
    press(bot, SEAN, "Accept", intro)
    clock.advance(days=13)
    assert sweep(db, settings).followed_up == 0
    clock.advance(days=1, minutes=1)
    assert sweep(db, settings).followed_up == 1
    assert sweep(db, settings).followed_up == 0
    asked = content(db, f"intro:{intro.id}:met:{aine}")
    assert asked.startswith("Did you meet Seán O'Brien?") and "[Yes] [Not yet] [No]" in asked
    assert content(db, f"intro:{intro.id}:met:{sean}").startswith("Did you meet Áine Ní Bhriain?")
    answer = bot.handle_action(AINE, f"intro.met:{intro.id}:yes").plain()
    assert answer.startswith("Thank you — you said: Yes.")
    again = bot.handle_action(AINE, f"intro.met:{intro.id}:no").plain()  # the first answer counts
    assert again.startswith("Thank you — you said: Yes.")
    sean_said = bot.handle_action(SEAN, f"intro.met:{intro.id}:not_yet").plain()
    assert sean_said.endswith("Only totals are shared with the Leaders Connect team.")
    done = the_intro(db)
    assert (done.met_requester, done.met_recipient) == ("yes", "not_yet")


def test_a_waiting_request_is_not_reminded_but_still_expires(db: Database, clock) -> None:  # type: ignore
    load_sample(db)
    link(db, "slack", "T0001", "UAINE", AINE.email or "")
    settings = Settings(LEADERS_DATABASE_URL=db.url, _env_file=None)  # type: ignore[call-arg]
    bot = Bot(db, settings)
    bot.handle_text(AINE, f"intro Seán O'Brien {REASON}")
    clock.advance(days=4)
    assert sweep(db, settings).reminded == 0
    clock.advance(days=11)
    assert sweep(db, settings).expired == 1


def test_the_moments_come_from_the_environment(world, db: Database) -> None:
    _, _, clock, _, _ = world
    quick = Settings(LEADERS_DATABASE_URL=db.url, LEADERS_INTRO_REMINDER_DAYS=1,  # type: ignore[call-arg]
                     _env_file=None)
    clock.advance(timedelta(days=1, minutes=1))
    assert sweep(db, quick).reminded == 1


def test_a_request_asked_again_after_not_now_is_not_also_reminded(world, db: Database) -> None:
    """Not now on day one, asked again on day eight: that is the one nudge. The reminder (due since day
    three, but held back while snoozed) must not follow in the same run or the next — two cards at once."""
    bot, settings, clock, _, _ = world
    intro = the_intro(db)
    clock.advance(days=1)
    press(bot, SEAN, "Not now", intro)
    clock.advance(days=7, minutes=1)
    counts = sweep(db, settings)
    assert (counts.asked_again, counts.reminded) == (1, 0)
    clock.advance(days=1)
    assert sweep(db, settings).reminded == 0
    assert [k for k in keys(db) if ":remind:" in k] == []
