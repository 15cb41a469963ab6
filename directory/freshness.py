"""Keeping the directory true: when a profile was last confirmed, and who is due to be asked again.

Every profile has a "last confirmed" date — when the leader last pressed **Still right** (or saved their
profile), else when the profile was created. Six months after it the leader is asked once, privately,
whether it is still right (bot/freshness_sweep.py); at twelve months every card says how long ago it was
confirmed and search lowers it a little (search_rank.py). Confirming resets the clock, so the question
comes again six months later, never sooner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from directory import audit, clock
from directory.models import ChatAccount, Leader

ASK_AFTER = timedelta(days=182)  # six months
STALE_AFTER = timedelta(days=365)  # twelve months: cards say so, ranking lowers the profile a little


def months_between(earlier: datetime, later: datetime) -> int:
    return max(0, (later.year - earlier.year) * 12 + later.month - earlier.month
               - (1 if later.day < earlier.day else 0))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def staleness(leader: Leader, now: datetime | None = None) -> str:
    """"last confirmed 14 months ago" once a profile is twelve months unconfirmed, else ""."""
    now = now or clock.now()
    if leader.last_confirmed is None:  # a profile not saved yet (a card drawn from a draft)
        return ""
    confirmed = _aware(leader.last_confirmed)
    if now - confirmed < STALE_AFTER:
        return ""
    months = months_between(confirmed, now)
    return f"last confirmed {months} months ago" if months < 24 else (
        f"last confirmed {months // 12} years ago")


def confirm(session: Session, leader: Leader, actor: str) -> None:
    """The leader says their profile is right: the six-month clock starts again."""
    leader.confirmed_at = clock.now()
    audit.record(session, actor, "profile.confirmed", audit.leader_ref(leader.id))


def due(session: Session, now: datetime | None = None, limit: int = 1000) -> list[Leader]:
    """Current leaders, linked to a chat account, whose last confirmation is six months old or more."""
    now = now or clock.now()
    cutoff = now - ASK_AFTER
    linked = select(ChatAccount.id).where(ChatAccount.leader_id == Leader.id,
                                          ChatAccount.revoked_at.is_(None),
                                          ChatAccount.platform.in_(("slack", "teams")))
    statement = (select(Leader)
                 .where(Leader.left_at.is_(None), linked.exists(),
                        or_(Leader.confirmed_at <= cutoff,
                            (Leader.confirmed_at.is_(None)) & (Leader.created_at <= cutoff)))
                 .order_by(func.coalesce(Leader.confirmed_at, Leader.created_at), Leader.id).limit(limit))
    return list(session.scalars(statement))


def prompt_key(leader: Leader) -> str:
    """One question per leader per confirmation: a new confirmation date makes a new key."""
    return f"freshness:{leader.id}:{_aware(leader.last_confirmed):%Y%m%d%H%M%S}"
