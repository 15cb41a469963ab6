"""Freshness: the six-month question is sent once, privately, through the outbox; not again after
"Still right"; twelve months unconfirmed shows on the card — on a fake clock, through the real engine."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.engine import Bot
from bot.freshness_sweep import run as sweep
from bot.replies import Actions, PersonCard
from bot.reply_codec import reply_from_json
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.database import Database
from directory.models import AuditEvent, Leader
from directory.outbox import OutboxMessage
from directory.people import LeaderInput, by_email, upsert_leaders
from directory.settings import Settings
from scheduler.jobs import SWEEPS

ASKED = ChatIdentity("slack", "T1", "UASKED", "asked@example.gov.uk")


def setup(db: Database) -> Bot:
    with db.session() as session:
        upsert_leaders(session, [
            LeaderInput(email="asked@example.gov.uk", full_name="Asha Asked", role="Chief Nurse",
                        organisation="Trust", sector="health"),
            LeaderInput(email="unlinked@example.gov.uk", full_name="Una Unlinked", role="Chief Nurse",
                        organisation="Trust", sector="health")])
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    bot.handle_text(ASKED, "help")  # links the Slack account by its confirmed email
    return bot


def questions(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("freshness:%"))
                                    .order_by(OutboxMessage.id)))


def test_asked_once_at_six_months_and_not_again_after_still_right(db: Database, clock: FakeClock) -> None:
    bot = setup(db)
    assert any(s.id == "freshness" and s.func == "bot.freshness_sweep:run" for s in SWEEPS)
    clock.advance(timedelta(days=181))
    assert sweep(db.url) == 0 and questions(db) == []  # not yet six months
    clock.advance(timedelta(days=2))
    assert sweep(db.url) == 1
    assert sweep(db.url) == 0  # a second run (or a restart mid-run) queues nothing new
    clock.advance(timedelta(days=30))
    assert sweep(db.url) == 0  # still unanswered a month later: asked once, not nagged
    sent = questions(db)
    assert len(sent) == 1 and sent[0].user_id == "UASKED" and sent[0].conversation == ""  # their DM
    reply = reply_from_json(sent[0].reply)
    assert "Is your profile still right?" in reply.plain()
    buttons = next(b for b in reply.blocks if isinstance(b, Actions)).buttons
    assert [(b.label, b.action) for b in buttons] == [("Still right", "freshness.confirm"),
                                                      ("Edit", "freshness.edit")]
    assert any(isinstance(b, PersonCard) and b.name == "Asha Asked" for b in reply.blocks)

    answer = bot.handle_action(ASKED, "freshness.confirm")
    assert "confirmed" in answer.plain()
    with db.session() as session:
        leader = by_email(session, "asked@example.gov.uk")
        assert leader is not None and leader.confirmed_at is not None
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.confirmed"))
    clock.advance(timedelta(days=100))
    assert sweep(db.url) == 0  # confirmed 100 days ago: nothing
    clock.advance(timedelta(days=90))
    assert sweep(db.url) == 1  # six months after the confirmation: one new question
    assert len(questions(db)) == 2
    edit = bot.handle_action(ASKED, "freshness.edit")
    assert "Edit your profile" in edit.plain() or "Save" in edit.plain()


def test_a_leaver_and_an_unlinked_leader_are_never_asked(db: Database, clock: FakeClock) -> None:
    setup(db)
    with db.session() as session:
        leader = by_email(session, "asked@example.gov.uk")
        assert leader is not None
        leader.left_at = clock.now()
    clock.advance(timedelta(days=400))
    assert sweep(db.url) == 0 and questions(db) == []


def test_twelve_months_unconfirmed_shows_on_the_cards(db: Database, clock: FakeClock) -> None:
    bot = setup(db)
    viewer = ChatIdentity("slack", "T1", "UOTHER", "unlinked@example.gov.uk")
    assert "last confirmed" not in bot.handle_text(viewer, "find asha asked").plain()
    clock.advance(timedelta(days=14 * 30 + 5))
    # the viewer links first, so the view is of a fresh account and a stale profile
    found = bot.handle_text(viewer, "find asha asked").plain()
    assert "last confirmed 14 months ago" in found
    with db.session() as session:
        leader_id = session.scalar(select(Leader.id).where(Leader.email_key == "asked@example.gov.uk"))
    assert "last confirmed 14 months ago" in bot.handle_action(viewer, f"profile.view:{leader_id}").plain()
    bot.handle_action(ASKED, "freshness.confirm")
    assert "last confirmed" not in bot.handle_text(viewer, "find asha asked").plain()
