"""The worker's side of the outbox tables: lease a lane, claim its due rows, record what happened.

Each function is one short transaction, written so several processes can run them at once:

- a lane is taken with a conditional UPDATE (free, expired, or already ours), so exactly one worker
  drains a lane's rate budget at a time, on SQLite and PostgreSQL alike;
- rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (two workers never wait on or
  take each other's rows); SQLite serialises writers, so the same statement without the lock clause is
  just as exclusive there;
- a claimed row carries a lease: if its worker dies, the lease runs out and the row is claimable again;
- an update row (a change to a card sent earlier) is claimable only once the card itself was sent (or
  failed: then the update fails too), and never while another update of the same card is in flight, so a
  card's changes reach the platform one at a time, in order, each carrying the card's latest content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from directory.database import Database
from directory.models import utcnow
from directory.outbox import (
    FAILED,
    MAX_ERROR,
    PENDING,
    SEND,
    SENDING,
    SENT,
    DeliveryLane,
    OutboxMessage,
    as_utc,
)


@dataclass(frozen=True)
class Target:
    """The card an update row changes: its state, its latest content and where it is on the platform."""

    status: str
    reply: dict[str, Any]
    sent_conversation: str
    platform_message_id: str
    last_error: str


@dataclass(frozen=True)
class Claimed:
    """One message this worker now holds, with what the sender needs."""

    id: int
    dedupe_key: str
    platform: str
    workspace_id: str
    user_id: str
    conversation: str
    reply: dict[str, Any]
    attempts: int
    kind: str = SEND
    team_id: str = ""
    target: Target | None = None  # update rows only


@dataclass(frozen=True)
class LaneState:
    recent_sends: list[float]
    blocked_until: float


def _ready(now: datetime) -> Any:
    """A send is always ready; an update once its card was sent (or failed) and while no other update of
    the same card is in flight."""
    card, other = aliased(OutboxMessage), aliased(OutboxMessage)
    card_done = exists(select(card.id).where(card.id == OutboxMessage.target_id,
                                             card.status.in_((SENT, FAILED))))
    sibling_in_flight = exists(select(other.id).where(
        other.target_id == OutboxMessage.target_id, other.id != OutboxMessage.id, other.status == SENDING,
        other.lease_expires_at >= now))
    return or_(OutboxMessage.kind == SEND, and_(card_done, ~sibling_in_flight))


def _due(now: datetime) -> Any:
    return and_(or_(and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
                    and_(OutboxMessage.status == SENDING, OutboxMessage.lease_expires_at < now)),
                _ready(now))


def due_lanes(database: Database, owner: str, limit: int = 100) -> list[str]:
    """Lanes with a message to send now (new, due for a retry, or abandoned by a dead worker) that no
    other worker holds."""
    with database.session() as session:
        now = utcnow()
        held = select(DeliveryLane.lane).where(DeliveryLane.lane == OutboxMessage.lane,
                                               DeliveryLane.owner.is_not(None), DeliveryLane.owner != owner,
                                               DeliveryLane.lease_expires_at >= now)
        return list(session.scalars(select(OutboxMessage.lane).where(_due(now), ~held.exists())
                                    .distinct().limit(limit)))


def acquire_lane(database: Database, lane: str, owner: str, ttl: float) -> LaneState | None:
    """Take the lane if it is free, its lease ran out, or it is ours already; None if another has it."""
    with database.session() as session:
        now = utcnow()
        insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
        session.execute(insert(DeliveryLane).values(lane=lane, recent_sends="[]", last_error="")
                        .on_conflict_do_nothing(index_elements=["lane"]))
        taken = session.execute(update(DeliveryLane).where(
            DeliveryLane.lane == lane,
            or_(DeliveryLane.owner.is_(None), DeliveryLane.lease_expires_at < now,
                DeliveryLane.owner == owner))
            .values(owner=owner, lease_expires_at=now + timedelta(seconds=ttl))).rowcount
        if not taken:
            return None
        row = session.get(DeliveryLane, lane)
        assert row is not None
        blocked = as_utc(row.blocked_until)
        return LaneState(_times(row.recent_sends), blocked.timestamp() if blocked else 0.0)


def _times(raw: str) -> list[float]:
    try:
        values = json.loads(raw or "[]")
        return [float(v) for v in values] if isinstance(values, list) else []
    except (ValueError, TypeError):
        return []


def renew_lane(database: Database, lane: str, owner: str, ttl: float, recent_sends: list[float]) -> bool:
    """Extend our lease and save the pacing state; False if the lane is no longer ours (stop sending)."""
    with database.session() as session:
        now = utcnow()
        return bool(session.execute(update(DeliveryLane).where(
            DeliveryLane.lane == lane, DeliveryLane.owner == owner).values(
            lease_expires_at=now + timedelta(seconds=ttl), recent_sends=json.dumps(recent_sends))).rowcount)


def renew_rows(database: Database, owner: str, ttl: float) -> int:
    """Extend the lease of every row we hold, so a long batch is never taken from under us."""
    with database.session() as session:
        now = utcnow()
        return session.execute(update(OutboxMessage).where(
            OutboxMessage.status == SENDING, OutboxMessage.lease_owner == owner).values(
            lease_expires_at=now + timedelta(seconds=ttl))).rowcount or 0


def release_lane(database: Database, lane: str, owner: str, recent_sends: list[float]) -> None:
    with database.session() as session:
        session.execute(update(DeliveryLane).where(DeliveryLane.lane == lane, DeliveryLane.owner == owner)
                        .values(owner=None, lease_expires_at=None, recent_sends=json.dumps(recent_sends)))


def block_lane(database: Database, lane: str, until: datetime, reason: str) -> None:
    """Record a `Retry-After` on the lane, so whoever drains it next waits too."""
    with database.session() as session:
        session.execute(update(DeliveryLane).where(DeliveryLane.lane == lane).values(
            blocked_until=until, last_error=reason[:MAX_ERROR]))


def claim(database: Database, lane: str, owner: str, limit: int, lease_seconds: float) -> list[Claimed]:
    """Lease up to `limit` due rows of `lane`, oldest first.

    One `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …` statement: on SQLite a
    transaction that starts by writing waits for the write lock (busy timeout) instead of failing the
    way a read that later upgrades to a write can.
    """
    with database.session() as session:
        now = utcnow()
        due_ids = (select(OutboxMessage.id).where(OutboxMessage.lane == lane, _due(now))
                   .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True))
        rows = session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(due_ids.scalar_subquery()))
                               .values(status=SENDING, lease_owner=owner,
                                       lease_expires_at=now + timedelta(seconds=lease_seconds))
                               .returning(OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.platform,
                                          OutboxMessage.workspace_id, OutboxMessage.user_id,
                                          OutboxMessage.conversation, OutboxMessage.reply,
                                          OutboxMessage.attempts, OutboxMessage.kind, OutboxMessage.team_id,
                                          OutboxMessage.target_id)).all()
        targets = _targets(session, [row[-1] for row in rows if row[-1] is not None])
        claimed = [Claimed(*row[:-1], target=targets.get(row[-1]) if row[-1] is not None else None)
                   for row in rows]
        return sorted(claimed, key=lambda message: message.id)


def _targets(session: Any, ids: list[int]) -> dict[int, Target]:
    """The cards these update rows change, read in the claim's transaction: their content is the latest."""
    if not ids:
        return {}
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.reply,
                                  OutboxMessage.sent_conversation, OutboxMessage.platform_message_id,
                                  OutboxMessage.last_error).where(OutboxMessage.id.in_(ids)))
    return {row[0]: Target(*row[1:]) for row in rows}


def next_due_in(database: Database, lane: str) -> float | None:
    """Seconds until the lane's next message could be claimed — a retry's backoff ends, or a claimed
    message's lease runs out — or None if nothing in the lane waits."""
    with database.session() as session:
        pending = session.scalar(select(OutboxMessage.next_attempt_at).where(
            OutboxMessage.lane == lane, OutboxMessage.status == PENDING, _ready(utcnow()))
            .order_by(OutboxMessage.next_attempt_at).limit(1))
        leased = session.scalar(select(OutboxMessage.lease_expires_at).where(
            OutboxMessage.lane == lane, OutboxMessage.status == SENDING)
            .order_by(OutboxMessage.lease_expires_at).limit(1))
        moments = [as_utc(m) for m in (pending, leased) if m is not None]
        if not moments:
            return None
        return max(0.0, (min(moments) - utcnow()).total_seconds())  # type: ignore[type-var,operator]


# -- outcomes ----------------------------------------------------------------------------------------
def _ours(message_id: int, owner: str) -> Any:
    """An UPDATE of one row that is still ours: a row another worker took after our lease ran out is not."""
    return update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == SENDING,
                                       OutboxMessage.lease_owner == owner)


def mark_sent(database: Database, message_id: int, conversation: str, platform_message_id: str) -> None:
    """Sent is the truth whoever holds the row now: the platform accepted it, so nobody sends it again.
    `conversation` and `platform_message_id` are where it now is (what a later update addresses)."""
    with database.session() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            status=SENT, attempts=OutboxMessage.attempts + 1, platform_message_id=platform_message_id[:500],
            sent_conversation=conversation[:500], sent_at=utcnow(), lease_owner=None, lease_expires_at=None,
            last_error=""))


def mark_failed(database: Database, message_id: int, owner: str, reason: str, *,
                attempted: bool = True) -> None:
    with database.session() as session:
        session.execute(_ours(message_id, owner).values(
            status=FAILED, attempts=OutboxMessage.attempts + (1 if attempted else 0),
            last_error=reason[:MAX_ERROR], lease_owner=None, lease_expires_at=None))


def reschedule(database: Database, message_id: int, owner: str, reason: str, at: datetime, *,
               attempted: bool) -> None:
    """Back to the queue for `at`; a try that reached the platform counts, a 429 or a release does not."""
    with database.session() as session:
        session.execute(_ours(message_id, owner).values(
            status=PENDING, attempts=OutboxMessage.attempts + (1 if attempted else 0),
            next_attempt_at=at, last_error=reason[:MAX_ERROR], lease_owner=None, lease_expires_at=None))


def release_rows(database: Database, owner: str, ids: list[int] | None = None) -> int:
    """Give back rows we claimed but did not send (shutdown, lost lane), for any worker to take at once."""
    with database.session() as session:
        statement = update(OutboxMessage).where(OutboxMessage.status == SENDING,
                                                OutboxMessage.lease_owner == owner)
        if ids is not None:
            statement = statement.where(OutboxMessage.id.in_(ids))
        return session.execute(statement.values(status=PENDING, lease_owner=None,
                                                lease_expires_at=None)).rowcount or 0
