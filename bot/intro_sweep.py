"""The introductions sweep the scheduler runs every few minutes (scheduler/jobs.py): what time alone moves.

- a **reminder** to the recipient (and delegates) once, `LEADERS_INTRO_REMINDER_DAYS` (3) after the request
  reached them without an answer;
- a request the recipient answered "Not now" is **asked again** `LEADERS_INTRO_SNOOZE_DAYS` (7) later
  (which stands for the reminder, if that had not been sent yet);
- **expiry** `LEADERS_INTRO_EXPIRY_DAYS` (14) after the request was made, the requester told;
- the private **"did you meet?"** follow-up to both sides `LEADERS_INTRO_FOLLOWUP_DAYS` (14) after Accept.

Safe to run twice, or in two processes at once: each step claims its rows with one conditional UPDATE
(only the run whose UPDATE changed the row goes on), and every message has a dedupe key, so a retry or a
restart never doubles one. Each request is handled in its own transaction, so one bad row cannot hold the
rest back.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.intro_cards import card_for, followup_card, reminder_head
from bot.introductions import answerers, card_key, redraw, tell
from bot.live import queue_card
from bot.outgoing import queue_reply
from bot.replies import Reply, Text
from directory import audit
from directory.database import Database
from directory.introductions import ACCEPTED, EXPIRED, OPEN, REQUESTED, SNOOZED, Introduction, reach
from directory.models import Leader, utcnow
from directory.settings import Settings

log = logging.getLogger(__name__)
SWEEPER = "scheduler:intros"  # the audit actor for what time did


@dataclasses.dataclass
class SweepCounts:
    reminded: int = 0
    asked_again: int = 0
    expired: int = 0
    followed_up: int = 0


def run(database_url: str) -> SweepCounts:
    """The scheduler's entry point (scheduler/jobs.py): one sweep against `database_url`."""
    database = Database(database_url)
    try:
        return sweep(database, Settings())
    finally:
        database.dispose()


def sweep(database: Database, settings: Settings) -> SweepCounts:
    counts = SweepCounts()
    now = utcnow()
    steps: list[tuple[str, object, Callable[[Session, int, Settings], bool]]] = [
        ("expired", select(Introduction.id).where(
            Introduction.status.in_(OPEN),
            Introduction.created_at <= now - timedelta(days=settings.intro_expiry_days)), _expire),
        ("asked_again", select(Introduction.id).where(
            Introduction.status == SNOOZED, Introduction.snoozed_until <= now), _ask_again),
        ("reminded", select(Introduction.id).where(
            Introduction.status == REQUESTED, Introduction.reminded_at.is_(None),
            Introduction.delivered_at <= now - timedelta(days=settings.intro_reminder_days)), _remind),
        ("followed_up", select(Introduction.id).where(
            Introduction.status == ACCEPTED, Introduction.followed_up_at.is_(None),
            Introduction.decided_at <= now - timedelta(days=settings.intro_followup_days)), _follow_up),
    ]
    for name, query, step in steps:
        with database.session() as session:
            ids = list(session.scalars(query.order_by(Introduction.id).limit(1000)))  # type: ignore[attr-defined]
        for intro_id in ids:
            try:
                with database.session() as session:
                    if step(session, intro_id, settings):
                        setattr(counts, name, getattr(counts, name) + 1)
            except Exception:  # one bad row must not stop the sweep; the next run tries it again
                log.exception("introductions sweep: %s failed for one request", name)
    return counts


def _claim(session: Session, intro_id: int, *conditions: object, **values: object) -> Introduction | None:
    """Change the row if it still meets `conditions`; the loaded row if this run won, else None."""
    changed = session.execute(update(Introduction).where(Introduction.id == intro_id, *conditions)
                              .values(**values).execution_options(synchronize_session=False)).rowcount
    if not changed:
        return None
    return session.get(Introduction, intro_id, populate_existing=True)


def _expire(session: Session, intro_id: int, settings: Settings) -> bool:
    intro = _claim(session, intro_id, Introduction.status.in_(OPEN), status=EXPIRED, decided_at=utcnow(),
                   revision=Introduction.revision + 1)
    if intro is None:
        return False
    audit.record(session, SWEEPER, "intro.expired", audit.leader_ref(intro.requester_id), intro=intro.id)
    redraw(session, intro)
    recipient = session.get(Leader, intro.recipient_id)
    name = recipient.full_name if recipient else "they"
    tell(session, intro.requester_id, Reply((
        Text(f"Your introduction request to {name} has expired", "heading"),
        Text(f"It had no answer within {settings.intro_expiry_days:g} days, and nothing was shared. You're "
             "welcome to ask again, perhaps with a little more about why."),)), f"intro:{intro.id}:expired")
    return True


def _ask_again(session: Session, intro_id: int, settings: Settings) -> bool:
    # Asking again is the request's one nudge: it counts as the reminder, which would otherwise follow
    # at once (it was due while the request was snoozed) — two cards in the same minute.
    now = utcnow()
    intro = _claim(session, intro_id, Introduction.status == SNOOZED, Introduction.snoozed_until <= now,
                   status=REQUESTED, snoozed_until=None, revision=Introduction.revision + 1,
                   reminded_at=func.coalesce(Introduction.reminded_at, now))
    if intro is None:
        return False
    audit.record(session, SWEEPER, "intro.asked_again", audit.leader_ref(intro.recipient_id), intro=intro.id)
    redraw(session, intro)
    _send_again(session, intro, f"ask{intro.revision}", "You said not now a while ago — here it is again")
    return True


def _remind(session: Session, intro_id: int, settings: Settings) -> bool:
    intro = _claim(session, intro_id, Introduction.status == REQUESTED, Introduction.reminded_at.is_(None),
                   reminded_at=utcnow())
    if intro is None:
        return False
    requester = session.get(Leader, intro.requester_id)
    assert requester is not None
    _send_again(session, intro, "remind", reminder_head(intro, requester).text)
    return True


def _send_again(session: Session, intro: Introduction, what: str, heading: str) -> None:
    """Another live card of the request to each answerer, headed by why it came again."""
    for leader in answerers(session, intro):
        account = reach(session, leader)
        if account is None:
            continue
        card = card_for(session, intro, leader.id)
        card = dataclasses.replace(card, blocks=(Text(heading, "heading"), *card.blocks))
        queue_card(session, account, card, card_key(intro, account.id, what))


def _follow_up(session: Session, intro_id: int, settings: Settings) -> bool:
    intro = _claim(session, intro_id, Introduction.status == ACCEPTED, Introduction.followed_up_at.is_(None),
                   followed_up_at=utcnow())
    if intro is None:
        return False
    for side, me_id, other_id in (("requester", intro.requester_id, intro.recipient_id),
                                  ("recipient", intro.recipient_id, intro.requester_id)):
        me, other = session.get(Leader, me_id), session.get(Leader, other_id)
        account = reach(session, me) if me is not None else None
        if account is None or other is None:
            continue
        queue_reply(session, account, followup_card(intro, other, side), f"intro:{intro.id}:met:{account.id}")
    return True
