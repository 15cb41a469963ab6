"""Cards that change after they are sent: the store's side of updating a message through the outbox.

A *card* is a send row of the outbox whose dedupe key is the card's stable logical key
(`intro:42:to:7`: introduction 42, the card to chat account 7). Its `reply` column always holds the card's
latest content. Asking for an update (`request_update`) replaces that content and, if the card may
already be on the platform, queues one `update` row that tells a worker to redraw it there:

- the card is still waiting (pending): its content is replaced and nothing else is needed — it goes out
  as the latest version (an update "queued before the original was even sent" ends right);
- it is being sent or was sent: one update row is queued. At most one waits per card (a partial unique
  index), so several updates in a moment collapse into one redraw; and the worker sends the card's
  content as it is when the update is claimed, so the last change always wins, whatever the order;
- it failed: the content is replaced, so a retry (`leaders outbox --retry`) sends the latest;
- there is no such card: nothing happens (say, the recipient linked that account after it was sent).

bot/live.py is the use cases' way in; this module knows rows and JSON only.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from directory.models import utcnow
from directory.outbox import FAILED, PENDING, SEND, SENDING, SENT, UPDATE, OutboxMessage, dialect_insert


class CardUpdate(StrEnum):
    """What `request_update` did."""

    MERGED = "merged"  # the card had not been sent yet: it will go out with the new content
    QUEUED = "queued"  # an update of the message on the platform is queued (or was already waiting)
    KEPT = "kept"  # the card failed to send: the new content waits for a retry
    UNKNOWN = "unknown"  # no card has this key


def request_update(session: Session, key: str, reply: dict[str, Any]) -> CardUpdate:
    """Make `reply` the content of the card `key`, and have it redrawn where it was already sent.

    One statement replaces the content and reports the card's status *after* any worker's claim of it
    committed (the row lock orders the two), so the decision below never misses a send in flight.
    """
    if not isinstance(reply, dict) or not reply:
        raise ValueError("reply must be a non-empty JSON object (see bot/reply_codec.py)")
    found = session.execute(
        update(OutboxMessage).where(OutboxMessage.dedupe_key == key, OutboxMessage.kind == SEND)
        .values(reply=reply).returning(OutboxMessage.id, OutboxMessage.status)).first()
    if found is None:
        return CardUpdate.UNKNOWN
    card_id, status = found
    if status == PENDING:
        return CardUpdate.MERGED
    if status == FAILED:
        return CardUpdate.KEPT
    assert status in (SENDING, SENT), status
    card = session.get(OutboxMessage, card_id)
    assert card is not None
    now = utcnow()
    row = {"dedupe_key": f"update:{card_id}:{uuid.uuid4().hex}", "kind": UPDATE, "target_id": card_id,
           "recipient_account_id": card.recipient_account_id, "platform": card.platform,
           "workspace_id": card.workspace_id, "user_id": card.user_id, "lane": card.lane,
           "conversation": card.conversation, "team_id": card.team_id, "reply": reply, "status": PENDING,
           "attempts": 0, "next_attempt_at": now, "last_error": "", "platform_message_id": "",
           "sent_conversation": "", "created_at": now}
    # A waiting update of this card already exists (the partial unique index): it will send the new
    # content, as every update sends the card's content as it is when claimed. Keep its copy current.
    inserted = session.execute(dialect_insert(session)(OutboxMessage).values(row).on_conflict_do_nothing()
                               .returning(OutboxMessage.id)).first()
    if inserted is None:
        session.execute(update(OutboxMessage).where(
            OutboxMessage.target_id == card_id, OutboxMessage.kind == UPDATE,
            OutboxMessage.status == PENDING).values(reply=reply))
    return CardUpdate.QUEUED


def card_status(session: Session, key: str) -> str | None:
    """The send status of the card `key` (pending, sending, sent, failed), or None if there is none."""
    return session.scalar(select(OutboxMessage.status).where(OutboxMessage.dedupe_key == key,
                                                             OutboxMessage.kind == SEND))
