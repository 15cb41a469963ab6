"""A poll's life: open (one card per person asked), remind (only those who have not answered), close
(results published, every card says closed, nothing left that ties anyone to an answer), cancel.

Each step is one transaction with the messages it sends (the outbox), keyed so a step run twice — a
sweep cut short by a restart, two schedulers racing — sends nothing twice. `sweep` is what the
scheduler runs every minute (scheduler/jobs.py): it does whatever is due by the clock, so a poll whose
opening passed while the service was down opens on the first sweep after it comes back, once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.live import update_card
from bot.outgoing import queue_replies
from bot.poll_cards import card_key, closed_card, open_card, reminder_key
from bot.reply_codec import reply_to_json
from directory import audit
from directory.audience import parse_audience, resolve
from directory.database import Database
from directory.models import ChatAccount, Leader, utcnow
from directory.outbox import PENDING, SEND, OutboxMessage, as_utc
from directory.poll_store import PollError, claim, close, is_closing_due, non_respondents, recipients, start
from directory.polls import CANCELLED, OPEN, SCHEDULED, Poll, PollBallot, PollParticipation, PollRecipient
from directory.preferred_account import preferred_account

log = logging.getLogger(__name__)


def open_poll(session: Session, poll: Poll, actor: str) -> int:
    """Open `poll` now: each person in its audience gets the card once, on their preferred account.
    Returns how many were sent it. Leaders not in chat yet are not asked (`show` counts them)."""
    if poll.status != SCHEDULED:
        raise PollError(f"poll {poll.id} is {poll.status}: only a scheduled poll can be opened")
    if is_closing_due(poll):
        raise PollError(f"poll {poll.id}'s closing time has passed: edit it first")
    if not start(session, poll):
        raise PollError(f"poll {poll.id} is {poll.status} already")
    ids = resolve(session, parse_audience(poll.audience))
    card = open_card(session, poll)
    messages = []
    for chunk in range(0, len(ids), 1000):
        for leader in session.scalars(select(Leader).where(Leader.id.in_(ids[chunk : chunk + 1000]))):
            account = preferred_account(session, leader)
            if account is None:
                continue
            session.add(PollRecipient(poll_id=poll.id, leader_id=leader.id, account_id=account.id))
            messages.append((account, card, card_key(poll.id, account.id)))
    poll.audience_size = len(messages)
    session.flush()
    queue_replies(session, messages)
    audit.record(
        session,
        actor,
        "poll.opened",
        f"poll:{poll.id}",
        asked=len(messages),
        not_in_chat=len(ids) - len(messages),
    )
    return len(messages)


def remind(session: Session, poll: Poll, number: int) -> int:
    """Reminder `number` (1, 2, …) to everyone asked who has not answered, from the ledger."""
    messages = []
    for recipient in non_respondents(session, poll):
        account = session.get(ChatAccount, recipient.account_id) if recipient.account_id else None
        if account is None or account.revoked_at is not None:
            continue
        messages.append(
            (account, open_card(session, poll, reminder=True), reminder_key(poll.id, number, account.id))
        )
    return queue_replies(session, messages)


def _redraw_closed(session: Session, poll: Poll) -> None:
    """Every card of the poll (and every reminder) now shows the same closed card, and no stored
    message of the poll holds anything else: sent copies and queued redraws are overwritten too."""
    card = closed_card(session, poll)
    keys = select(OutboxMessage.id).where(
        OutboxMessage.kind == SEND, OutboxMessage.dedupe_key.like(f"poll:{poll.id}:%")
    )
    for key in session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.id.in_(keys))):
        update_card(session, key, card)
    # Reminders still waiting are not needed any more.
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.kind == SEND,
            OutboxMessage.dedupe_key.like(f"poll:{poll.id}:remind:%"),
        )
        .values(status="failed", last_error="the poll closed before this reminder was sent")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxMessage)
        .where(or_(OutboxMessage.id.in_(keys), OutboxMessage.target_id.in_(keys)))
        .values(reply=reply_to_json(card))
        .execution_options(synchronize_session=False)
    )


def close_poll(session: Session, poll: Poll, actor: str) -> bool:
    if poll.status == SCHEDULED:
        raise PollError(f"poll {poll.id} has not opened yet: open it first, or cancel it")
    if not close(session, poll):
        return False
    _redraw_closed(session, poll)
    audit.record(
        session, actor, "poll.closed", f"poll:{poll.id}", asked=poll.audience_size, responded=poll.responded
    )
    return True


def cancel_poll(session: Session, poll: Poll, actor: str) -> None:
    if poll.status not in (SCHEDULED, OPEN):
        raise PollError(f"poll {poll.id} is {poll.status} already")
    was_open = poll.status == OPEN
    if not claim(session, poll, poll.status):
        raise PollError(f"poll {poll.id} changed meanwhile; nothing was cancelled")
    poll.status, poll.closed_at, poll.secret = CANCELLED, utcnow(), None
    session.query(PollBallot).filter(PollBallot.poll_id == poll.id).delete(synchronize_session=False)
    session.query(PollParticipation).filter(PollParticipation.poll_id == poll.id).delete(
        synchronize_session=False
    )
    if was_open:
        _redraw_closed(session, poll)
    audit.record(session, actor, "poll.cancelled", f"poll:{poll.id}")


def _due_reminders(poll: Poll, now: datetime) -> list[int]:
    due = [
        n
        for n, moment in enumerate(poll.reminders, 1)
        if n > poll.reminders_sent and as_utc(datetime.fromisoformat(moment)) <= now
    ]  # type: ignore[operator]
    return due


def sweep_once(database: Database) -> dict[str, int]:
    """Do whatever is due now: open, remind, close. Each poll in its own transaction."""
    done = {"opened": 0, "reminded": 0, "closed": 0}
    now = utcnow()
    with database.session() as session:
        opening = list(session.scalars(select(Poll.id).where(Poll.status == SCHEDULED, Poll.opens_at <= now)))
        open_ids = list(session.scalars(select(Poll.id).where(Poll.status == OPEN)))
    for poll_id in opening:
        with database.session() as session:
            poll = session.get(Poll, poll_id)
            if poll is None or poll.status != SCHEDULED:
                continue
            try:
                if is_closing_due(poll, now):  # down for its whole life: never sent; cancelled, audited
                    cancel_poll(session, poll, "scheduler")
                    continue
                open_poll(session, poll, "scheduler")
            except PollError:  # another scheduler (or staff) got there first
                continue
            done["opened"] += 1
            open_ids.append(poll.id)
    for poll_id in open_ids:
        with database.session() as session:
            poll = session.get(Poll, poll_id)
            if poll is None or poll.status != OPEN:
                continue
            if is_closing_due(poll, now):
                done["closed"] += close_poll(session, poll, "scheduler")
                continue
            due = _due_reminders(poll, now)
            # Several missed while down: one reminder, not a burst. Claimed by one conditional UPDATE.
            if (
                due
                and session.execute(
                    update(Poll)
                    .where(Poll.id == poll.id, Poll.status == OPEN, Poll.reminders_sent < due[-1])
                    .values(reminders_sent=due[-1])
                    .execution_options(synchronize_session=False)
                ).rowcount
            ):
                remind(session, poll, due[-1])
                done["reminded"] += 1
    if any(done.values()):
        log.info("polls sweep: %(opened)d opened, %(reminded)d reminded, %(closed)d closed", done)
    return done


def run(database_url: str) -> None:
    """The scheduler's entry point (scheduler/jobs.py)."""
    database = Database(database_url)
    try:
        sweep_once(database)
    finally:
        database.dispose()


def recipients_count(session: Session, poll: Poll) -> int:
    return len(recipients(session, poll))
