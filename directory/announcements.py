"""Announcements: one message from staff to an audience, now or at a time, and its delivery report.

Creating one resolves the audience and queues one outbox row per recipient in the same transaction, each
with the dedupe key `announce:<id>:to:<account>` and, for `--at`, `not_before` = that moment — so the
outbox itself holds the schedule and nothing else has to wake up. The report is read from those rows:
sent, waiting (pending or in flight), failed with the platform's reason; leaders of the audience with no
chat account to reach are counted as unreachable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.models import Base, utcnow
from directory.outbox import FAILED, PENDING, SEND, SENDING, SENT, OutboxMessage, as_utc

MAX_TEXT = 3000


class Announcement(Base):
    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(2000), default="")
    audience: Mapped[str] = mapped_column(String(500), default="")
    send_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    audience_size: Mapped[int] = mapped_column(Integer, default=0)  # leaders matched
    unreachable: Mapped[int] = mapped_column(Integer, default=0)  # of them, with no chat account
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When its messages were queued; None: a chat draft waiting for its Confirm press (nothing queued).
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def key_prefix(announcement_id: int) -> str:
    return f"announce:{announcement_id}:to:"


def message_key(announcement_id: int, account_id: int) -> str:
    return f"{key_prefix(announcement_id)}{account_id}"


@dataclass(frozen=True)
class Report:
    """What happened to an announcement, from its outbox rows."""

    id: int
    audience: str
    send_at: datetime
    audience_size: int
    unreachable: int
    sent: int
    waiting: int
    failed: int
    reasons: dict[str, int] = field(default_factory=dict)  # failure reason -> how many

    @property
    def queued(self) -> int:
        return self.sent + self.waiting + self.failed

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "audience": self.audience or "everyone",
                "send_at": self.send_at.isoformat(), "audience_size": self.audience_size,
                "unreachable": self.unreachable, "messages": self.queued, "sent": self.sent,
                "waiting": self.waiting, "failed": self.failed,
                "failures": [{"reason": r, "count": n} for r, n in self.reasons.items()]}


def report(session: Session, announcement: Announcement) -> Report:
    rows = session.execute(
        select(OutboxMessage.status, OutboxMessage.last_error, func.count())
        .where(OutboxMessage.kind == SEND, OutboxMessage.dedupe_key.startswith(key_prefix(announcement.id)))
        .group_by(OutboxMessage.status, OutboxMessage.last_error)).all()
    by_status: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for status, error, n in rows:
        by_status[status] += n
        if status == FAILED:
            reasons[(error or "unknown").splitlines()[0][:200]] += n
    send_at = as_utc(announcement.send_at)
    assert send_at is not None
    return Report(announcement.id, announcement.audience, send_at, announcement.audience_size,
                  announcement.unreachable, by_status[SENT], by_status[PENDING] + by_status[SENDING],
                  by_status[FAILED], dict(reasons.most_common()))
