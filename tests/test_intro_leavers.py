"""A leaver's open introductions are closed kindly: marking the leaver (the staff CLI, a separate process)
closes each open request they are part of, redraws its cards and tells the other side in one sentence;
an audience never holds a leaver."""

from __future__ import annotations

from sqlalchemy import select

from bot.engine import Bot
from bot.reply_codec import reply_from_json
from directory import audit
from directory.accounts import ChatIdentity
from directory.audience import matches, parse_audience, resolve
from directory.database import Database
from directory.introductions import Introduction
from directory.leavers import mark_leaver
from directory.outbox import SEND, OutboxMessage
from directory.people import by_email
from directory.settings import Settings
from tests.helpers import load_sample
from tests.live_helpers import link

AINE = ChatIdentity("slack", "T0001", "UAINE", email="aine.nibhriain@belfastcity.gov.uk")
SEAN = ChatIdentity("teams", "tenant-1", "aad-sean", email="sean.obrien@scotland.police.uk")
REASON = "I'd value your experience of major incidents as we plan for winter."


def asked(db: Database, clock) -> tuple[Bot, int, int]:  # type: ignore[no-untyped-def]
    load_sample(db)
    aine = link(db, "slack", "T0001", "UAINE", AINE.email or "")
    sean = link(db, "teams", "tenant-1", "aad-sean", SEAN.email or "")
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    assert "on its way" in bot.handle_text(AINE, f"intro Seán O'Brien {REASON}").plain()
    return bot, aine, sean


def sent(db: Database, key: str) -> str:
    with db.session() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key,
                                                         OutboxMessage.kind == SEND))
        assert row is not None, key
        return reply_from_json(row.reply).plain()


def test_a_recipient_who_leaves_closes_the_request_and_the_requester_is_told(db: Database, clock,
                                                                            leaders) -> None:
    bot, aine, _ = asked(db, clock)
    done = leaders("leaver", SEAN.email or "")
    assert done.returncode == 0, done.stderr
    with db.session() as session:
        intro = session.scalars(select(Introduction)).one()
        assert (intro.status, intro.revision) == ("expired", 1)
        assert [e.actor for e in audit.lines(session, action="intro.expired")] == ["system:leaver"]
    told = sent(db, f"intro:{intro.id}:leaver:{aine}")
    assert told.startswith("Your introduction request to Seán O'Brien is closed")
    assert "Nothing was shared" in told
    assert "[Withdraw]" not in sent(db, f"intro:{intro.id}:to:{aine}")  # her card was redrawn
    assert "expired" in bot.handle_action(AINE, f"intro.withdraw:{intro.id}~0").plain()


def test_a_requester_who_leaves_withdraws_the_request_and_audiences_drop_them(db: Database, clock) -> None:
    _, _, sean = asked(db, clock)
    with db.session() as session:
        aine = by_email(session, AINE.email or "")
        assert aine is not None
        everyone_before = resolve(session, parse_audience(""))
        mark_leaver(session, aine, "cli:test")
    with db.session() as session:
        intro = session.scalars(select(Introduction)).one()
        assert intro.status == "withdrawn"
        aine = by_email(session, AINE.email or "")
        assert aine is not None and aine.id in everyone_before
        assert aine.id not in resolve(session, parse_audience(""))
        assert aine.id not in resolve(session, parse_audience("region:northern"))
        assert not matches(aine, parse_audience("everyone"))
    told = sent(db, f"intro:{intro.id}:leaver:{sean}")
    assert told.startswith("Áine Ní Bhriain has withdrawn their introduction request")
    assert "[Accept]" not in sent(db, f"intro:{intro.id}:to:{sean}")
