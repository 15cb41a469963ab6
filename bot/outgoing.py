"""How a use case sends a message first: queue a neutral reply for a chat account, in its own transaction.

    with database.session() as session:
        poll.opened_at = now                     # the state change …
        for account in recipients:               # … and one message per recipient, committed together
            queue_reply(session, account, poll_card, f"poll:{poll.id}:open:{account.id}")

The dedupe key names the logical message ("poll 7 opened, for account 12"), so running the use case twice
(a retry after a crash) queues nothing new. Delivery happens later, in scheduler/delivery.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.replies import Reply
from bot.reply_codec import reply_to_json
from directory.models import ChatAccount
from directory.outbox import Outgoing, enqueue, enqueue_many


def queue_reply(session: Session, account: ChatAccount, reply: Reply, dedupe_key: str, *,
                conversation: str = "", not_before: datetime | None = None) -> bool:
    """Queue `reply` for `account`; False if this dedupe key was queued before."""
    return enqueue(session, account, reply_to_json(reply), dedupe_key, conversation=conversation,
                   not_before=not_before)


def queue_replies(session: Session, messages: Iterable[tuple[ChatAccount, Reply, str]], *,
                  not_before: datetime | None = None) -> int:
    """Queue many (account, reply, dedupe key) at once; returns how many were new. The same reply sent to
    many (an announcement) is encoded once."""
    encoded: dict[int, tuple[Reply, dict]] = {}  # the reply is kept, so its id is never reused meanwhile

    def as_json(reply: Reply) -> dict:
        if id(reply) not in encoded:
            encoded[id(reply)] = (reply, reply_to_json(reply))
        return encoded[id(reply)][1]

    return enqueue_many(session, [Outgoing(account, as_json(reply), key, not_before=not_before)
                                  for account, reply, key in messages])
