"""The transactional outbox: every message the bot sends first is a row here before it is a request.

A use case (a poll opening, an intro accepted, a digest built) calls `enqueue` inside its own unit of
work, so the state change and "tell these people" commit together or not at all. Workers in `scheduler/`
drain the table. The unique `dedupe_key` makes enqueuing the same logical message twice a no-op
(`INSERT … ON CONFLICT DO NOTHING` on SQLite and PostgreSQL alike), so a use case that is retried after a
crash cannot message anyone twice.

The reply is stored as JSON (bot/reply_codec.py turns a neutral `Reply` into it and back): this module
sits below `bot/` and does not know the reply model, only that it is a JSON object.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.models import Base, ChatAccount, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
STATUSES = (PENDING, SENDING, SENT, FAILED)
SEND, UPDATE = "send", "update"  # a new message, or a change to the message of the row `target_id` names
MAX_DEDUPE_KEY = 200
MAX_ERROR = 500


class OutboxMessage(Base):
    """One message to one chat account. `lane` is the rate budget it spends (platform:workspace).

    Once sent, `sent_conversation` and `platform_message_id` address it on the platform (Slack channel and
    `ts`; Teams conversation id and activity id), so it can be changed later. An `update` row changes the
    message of the send row `target_id` names, with that row's `reply` — always the card's latest content
    (directory/live_cards.py) — so updates arriving in any order still leave the card right.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(MAX_DEDUPE_KEY))
    recipient_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_account.id", ondelete="SET NULL"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(240))  # "slack:T0001", "teams:<tenant>"
    conversation: Mapped[str] = mapped_column(String(500), default="")  # "" = the user's own DM
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    platform_message_id: Mapped[str] = mapped_column(String(500), default="")  # Slack ts, Teams activity
    sent_conversation: Mapped[str] = mapped_column(String(500), default="")  # Slack channel, Teams chat
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(10), default=SEND)
    target_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="CASCADE", name="fk_outbox_message_target"), index=True)
    team_id: Mapped[str] = mapped_column(String(50), default="")  # Slack Enterprise Grid: the workspace

    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_outbox_message_dedupe_key"),
                      Index("ix_outbox_message_due", "status", "lane", "next_attempt_at"),
                      Index("uq_outbox_message_pending_update", "target_id", unique=True,
                            sqlite_where=text("kind = 'update' AND status = 'pending'"),
                            postgresql_where=text("kind = 'update' AND status = 'pending'")))


class DeliveryLane(Base):
    """Who drains a lane now, and the lane's shared rate state, so processes never double its budget.

    A worker leases a whole lane (`owner` until `lease_expires_at`) and paces it in-process; its recent
    send times (`recent_sends`, a JSON list of epoch seconds) and any `Retry-After` block are written back
    so a successor starts where it left off instead of with a fresh budget.
    """

    __tablename__ = "delivery_lane"

    lane: Mapped[str] = mapped_column(String(240), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recent_sends: Mapped[str] = mapped_column(Text, default="[]")
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")


class OutboxError(ValueError):
    """A message that cannot be enqueued; the message says why. Nothing is written."""


@dataclass(frozen=True)
class Outgoing:
    """One message to enqueue: to whom, what (a reply as JSON), and the key that makes it unique."""

    account: ChatAccount
    reply: dict[str, Any]
    dedupe_key: str
    conversation: str = ""
    not_before: datetime | None = None


def lane_for(platform: str, workspace_id: str) -> str:
    """The rate budget a message spends: Slack's is per workspace, Teams' per tenant."""
    return f"{platform}:{workspace_id}"


def enqueue(session: Session, account: ChatAccount, reply: dict[str, Any], dedupe_key: str, *,
            conversation: str = "", not_before: datetime | None = None) -> bool:
    """Queue one message in the caller's transaction; False if `dedupe_key` was queued before (a no-op)."""
    return enqueue_many(session, [Outgoing(account, reply, dedupe_key, conversation, not_before)]) == 1


def enqueue_many(session: Session, messages: Iterable[Outgoing], batch: int = 1000) -> int:
    """Queue many messages (a poll to 5,000 leaders) in the caller's transaction; returns how many were new.

    Every message is checked before anything is written, so a bad one leaves the transaction untouched.
    """
    rows = [_row(message) for message in messages]
    if not rows:
        return 0
    # One statement compiled once and run as executemany: SQLAlchemy batches it into multi-row INSERTs
    # ("insertmanyvalues") with RETURNING, so only new rows come back. Compiling `.values(chunk)` with a
    # thousand rows instead cost more than the database's work (0.5 ms a row).
    statement = dialect_insert(session)(OutboxMessage).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(OutboxMessage.id)
    inserted = 0
    for start in range(0, len(rows), batch):
        result = session.execute(statement, rows[start:start + batch])
        inserted += len(result.all())  # rowcount is not reliable here on psycopg
    return inserted


def dialect_insert(session: Session) -> Any:
    """`insert` with `on_conflict_do_nothing` for the session's database (PostgreSQL or SQLite)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _row(message: Outgoing) -> dict[str, Any]:
    account = message.account
    key = message.dedupe_key
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_DEDUPE_KEY:
        raise OutboxError(f"dedupe_key must be 1–{MAX_DEDUPE_KEY} characters (got {key!r:.60})")
    if account.platform not in ("slack", "teams"):
        raise OutboxError(f"cannot deliver to a {account.platform!r} account (only slack and teams)")
    if not isinstance(message.reply, dict) or not message.reply:
        raise OutboxError("reply must be a non-empty JSON object (see bot/reply_codec.py)")
    now = utcnow()
    return {"dedupe_key": key, "recipient_account_id": account.id, "platform": account.platform,
            "workspace_id": account.workspace_id, "user_id": account.user_id,
            "lane": lane_for(account.platform, account.workspace_id), "conversation": message.conversation,
            "reply": message.reply, "status": PENDING, "attempts": 0,
            "next_attempt_at": message.not_before or now, "last_error": "", "platform_message_id": "",
            "sent_conversation": "", "created_at": now, "kind": SEND, "team_id": account.team_id or ""}


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (we always write UTC); PostgreSQL returns aware ones."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def depth(session: Session) -> list[tuple[str, str, int]]:
    """(status, lane, count) for every status and lane that has rows: what /metrics and the CLI show."""
    rows = session.execute(select(OutboxMessage.status, OutboxMessage.lane, func.count())
                           .group_by(OutboxMessage.status, OutboxMessage.lane)
                           .order_by(OutboxMessage.lane, OutboxMessage.status))
    return [(status, lane, int(n)) for status, lane, n in rows]


def retry_failed(session: Session, message_id: int | None = None) -> int:
    """Put failed messages back in the queue (one, or all of them) with a fresh count of tries."""
    statement = update(OutboxMessage).where(OutboxMessage.status == FAILED)
    if message_id is not None:
        statement = statement.where(OutboxMessage.id == message_id)
    result = session.execute(statement.values(status=PENDING, attempts=0, next_attempt_at=utcnow(),
                                              lease_owner=None, lease_expires_at=None))
    return result.rowcount or 0


def fail_waiting(session: Session, platform: str, workspace_id: str, reason: str, *, team_id: str = "",
                 except_teams: Iterable[str] = ()) -> int:
    """Fail every message still waiting for a workspace the bot was removed from, with `reason`.

    `team_id`: only those for one workspace inside an Enterprise Grid org (`workspace_id`);
    `except_teams`: keep those for the org's workspaces that still have an install of their own.
    Messages in flight are left to their worker, which records what the platform says.
    """
    statement = update(OutboxMessage).where(OutboxMessage.platform == platform,
                                            OutboxMessage.workspace_id == workspace_id,
                                            OutboxMessage.status == PENDING)
    if team_id:
        statement = statement.where(OutboxMessage.team_id == team_id)
    kept = [team for team in except_teams if team]
    if kept:
        statement = statement.where(OutboxMessage.team_id.notin_(kept))
    result = session.execute(statement.values(status=FAILED, last_error=reason[:MAX_ERROR], lease_owner=None,
                                              lease_expires_at=None).execution_options(synchronize_session=False))
    return result.rowcount or 0
