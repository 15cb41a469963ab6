"""Live cards: messages that change in place when what they show changes — the use cases' whole API.

A card that shows state (an introduction request, a poll, a delivery report) is an ordinary `Reply`;
what makes it live is how a use case sends, answers and updates it. Four things, each one call:

**(a) Answer a press by replacing the card it came from.** Return the new card with `replace=True`:
Slack redraws the message (`response_url` with `replace_original`), Teams answers the
`adaptiveCard/action` invoke with it. Without `replace` the answer arrives as a new message, as now.

    @action("accounts.unlink")
    def remove_pressed(ctx, args):
        ...
        return replacing(listing(ctx))

**(b) Send a card first, addressable later by a stable logical key.** The key names the card, not the
send: one card per recipient account, e.g. `intro:42:to:7`. It is also the outbox dedupe key, so a
retried use case queues nothing new.

    queue_card(session, account, request_card(intro, account), f"intro:{intro.id}:to:{account.id}")

**(c) Update a card sent earlier.** Through the outbox, in the use case's own transaction, on the same
rate lanes as sends: the worker redraws the message where it is (Slack `chat.update`, Teams
`update_activity`). Several updates in a moment collapse into one; an update asked for before the card
was even sent just changes what will be sent; whatever the order, the card ends showing the last one.

    update_card(session, f"intro:{intro.id}:to:{account.id}", accepted_card(intro, account))

**(d) Stale presses and double-clicks.** Put the state's revision into the card's buttons; `advance`
then changes the state only if it is still what the pressed card showed — one conditional UPDATE, so of
two presses at once (a double-click, two devices, a retried request) exactly one wins. The other, or a
press on an old card, gets `stale(...)`: the card as it is now, with a line saying what happened.

    Button("Accept", revised(f"intro.accept:{intro.id}", intro.revision), "primary")

    @action("intro.accept")
    def accept(ctx, args):
        intro = ctx.session.get(Intro, int(args[0]))
        if not advance(ctx, intro, status="accepted", decided_at=utcnow()):
            return stale(request_card(intro, ctx), f"Already {intro.status} on {intro.decided_at:%-d %b}.")
        ...  # update the other party's cards (c)
        return replacing(request_card(intro, ctx))

The model behind `advance` needs an integer `id` primary key and an integer `revision` column.

**Per-viewer state** (a poll card shows *your* vote): give the card `refresh=<neutral action>`, an
action that draws the card for whoever runs it. Teams runs it for each viewer as the card is shown
(Universal Actions `refresh`; the 1:1 recipient always, and up to 60 `refresh_for` users in a large
chat) and shows each their own answer; Slack and the console, whose messages are per person already,
ignore it. A refresh action must only read.

    Reply((...), refresh=f"poll.view:{poll.id}")
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.actions import revised, split_revision
from bot.commands import Context
from bot.outgoing import queue_reply
from bot.replies import Reply, Text
from bot.reply_codec import reply_to_json
from directory.live_cards import CardUpdate, card_status, request_update
from directory.models import ChatAccount

__all__ = ["CardUpdate", "advance", "card_status", "is_stale", "queue_card", "replacing", "revised",
           "split_revision", "stale", "update_card"]


def replacing(reply: Reply) -> Reply:
    """`reply` as the answer that takes the place of the pressed card."""
    return dataclasses.replace(reply, replace=True)


def stale(card: Reply, notice: str) -> Reply:
    """The answer to a press on an out-of-date card: the card as it is now, headed by what happened
    ("Already accepted on 3 Dec."), replacing the old one. Nothing was changed."""
    return dataclasses.replace(card, blocks=(Text(notice, "heading"), *card.blocks), replace=True)


def is_stale(ctx: Context, current: int) -> bool:
    """True when the pressed card showed another revision than `current` (False for typed commands)."""
    return ctx.revision is not None and ctx.revision != current


def advance(ctx: Context, row: Any, **changes: Any) -> bool:
    """Change `row` (bumping its revision) only if its state is still the one the press was made on.

    The expected revision is the pressed card's (`ctx.revision`), or the row's as loaded when the action
    carried none. One conditional UPDATE decides, so concurrent presses change the state once. Either
    way `row` is reloaded: after False it shows what the state is now, for the `stale` answer.
    """
    model = type(row)
    expected = ctx.revision if ctx.revision is not None else row.revision
    result = ctx.session.execute(
        update(model).where(model.id == row.id, model.revision == expected)
        .values(revision=expected + 1, **changes).execution_options(synchronize_session=False))
    ctx.session.refresh(row)
    return bool(result.rowcount)


def queue_card(session: Session, account: ChatAccount, card: Reply, key: str, *,
               not_before: datetime | None = None) -> bool:
    """Queue `card` for `account` as the card `key`; False if that card was queued before (a no-op)."""
    return queue_reply(session, account, card, key, not_before=not_before)


def update_card(session: Session, key: str, card: Reply) -> CardUpdate:
    """Make `card` the content of the card `key`, and have it redrawn wherever it was already sent.

    Returns what happened (directory/live_cards.py): MERGED (not sent yet: it will go out like this),
    QUEUED (a redraw is queued), KEPT (the card failed to send: a retry sends this), UNKNOWN (no such card).
    """
    return request_update(session, key, reply_to_json(card))
