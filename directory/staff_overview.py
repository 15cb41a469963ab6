"""The four figures at the top of the staff console: what needs a staff member's attention today.

Open polls (running now), content awaiting a second person's approval, outbox messages that failed for
good, and profiles stale by the freshness rule (twelve months unconfirmed, as `directory health` counts
them). Each is one count query, so the page is cheap however large the directory grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from directory import clock
from directory.content import DRAFT, ContentItem
from directory.freshness import STALE_AFTER
from directory.models import Leader
from directory.outbox import FAILED, OutboxMessage
from directory.polls import OPEN, Poll


@dataclass(frozen=True)
class Overview:
    open_polls: int
    awaiting_approval: int
    failed_messages: int
    stale_profiles: int


def _count(session: Session, statement) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(statement) or 0)


def overview(session: Session, now: datetime | None = None) -> Overview:
    cutoff = (now or clock.now()) - STALE_AFTER
    return Overview(
        _count(session, select(func.count()).select_from(Poll).where(Poll.status == OPEN)),
        _count(session, select(func.count()).select_from(ContentItem).where(ContentItem.status == DRAFT)),
        _count(session, select(func.count()).select_from(OutboxMessage)
               .where(OutboxMessage.status == FAILED)),
        _count(session, select(func.count()).select_from(Leader).where(
            Leader.left_at.is_(None),
            or_(Leader.confirmed_at <= cutoff,
                Leader.confirmed_at.is_(None) & (Leader.created_at <= cutoff)))),
    )
