"""What staff see of the outbox: summaries and lists for `leaders outbox`, without message content.

A row's reply can hold profile details, so listings show only ids, lanes, the chat user id it goes to,
tries, times and the last error — enough to see what is waiting and why something failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import audit
from directory.outbox import FAILED, PENDING, SENDING, UPDATE, OutboxMessage, as_utc, retry_failed


@dataclass(frozen=True)
class MessageLine:
    id: int
    status: str
    lane: str
    user_id: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime | None
    sent_at: datetime | None
    last_error: str
    updates: int | None = None  # an update row: the id of the message (card) it changes

    @property
    def what(self) -> str:
        return "message" if self.updates is None else f"update of {self.updates}"

    def as_json(self) -> dict[str, object]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None
        return {"id": self.id, "status": self.status, "lane": self.lane, "user_id": self.user_id,
                "attempts": self.attempts, "next_attempt_at": iso(self.next_attempt_at),
                "created_at": iso(self.created_at), "sent_at": iso(self.sent_at),
                "last_error": self.last_error, "updates": self.updates}


def list_messages(session: Session, *, failed_only: bool, limit: int) -> list[MessageLine]:
    """Failed messages (newest first), or everything not yet sent (oldest first)."""
    query = select(OutboxMessage)
    if failed_only:
        query = query.where(OutboxMessage.status == FAILED).order_by(OutboxMessage.id.desc())
    else:
        query = query.where(OutboxMessage.status.in_((PENDING, SENDING))).order_by(OutboxMessage.id)
    return [MessageLine(m.id, m.status, m.lane, m.user_id, m.attempts, as_utc(m.next_attempt_at),
                        as_utc(m.created_at), as_utc(m.sent_at), m.last_error,
                        m.target_id if m.kind == UPDATE else None)
            for m in session.scalars(query.limit(limit))]


def status_of(session: Session, message_id: int) -> str | None:
    return session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id))


def retry(session: Session, actor: str, message_id: int | None = None) -> int:
    """Queue failed messages again (one, or all) and say so in the audit log: a retry sends to leaders,
    so it is a staff action like any other, from the CLI or the web console alike."""
    count = retry_failed(session, message_id)
    if count:
        audit.record(session, actor, "outbox.retried", f"outbox:{message_id}" if message_id else "",
                     messages=count)
    return count
