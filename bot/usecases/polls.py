"""Polls in chat: pressing a poll card's buttons, and `polls` — what is open to you.

A press records the vote (directory/poll_store.py: one ballot per leader per poll, whatever platform
the press came from) and answers with the card redrawn for the voter, in place of the pressed one
(bot/live.py `replacing`). The same press twice (a double-click, a Slack retry) leaves the same ballot
and draws the same card; a press after close is refused politely with the closed card. Nothing here
writes the choice anywhere but the ballot: the answer to a press is not stored, and no log line or audit
entry names an option.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.actions import action
from bot.commands import Context, command
from bot.live import replacing
from bot.poll_cards import ADD, CHANGE, REMOVE, VIEW, VOTE, card_for, closed_card
from bot.replies import Reply, Text
from directory.ids import parse_id
from directory.poll_store import VoteRefused, is_recipient, vote
from directory.polls import OPEN, Poll, PollRecipient

_REFUSED = {
    "closed": "This poll has closed, so that press was not counted.",
    "not_open": "This poll is not open.",
    "not_asked": "This poll was not sent to you, so you cannot answer it.",
    "bad_choice": "That button has expired. Here is the poll as it is now.",
}


def _poll(ctx: Context, args: list[str]) -> Poll | None:
    poll_id = parse_id(args[0]) if args else None
    return ctx.session.get(Poll, poll_id) if poll_id is not None else None


def _position(args: list[str]) -> int | None:
    return parse_id(args[1]) if len(args) > 1 else None


def _not_yours() -> Reply:
    return replacing(Reply((Text(_REFUSED["not_asked"], "error"),)))


def _press(ctx: Context, args: list[str], **change: int) -> Reply:
    poll = _poll(ctx, args)
    position = _position(args)
    if poll is None or position is None:
        return replacing(Reply((Text("That poll no longer exists.", "error"),)))
    try:
        vote(ctx.session, poll.id, ctx.leader, **{name: position for name in change})
    except VoteRefused as refused:
        ctx.session.refresh(poll)
        if refused.reason == "not_asked":
            return _not_yours()
        if refused.reason == "closed" or poll.status != OPEN:
            return replacing(closed_card(ctx.session, poll, _REFUSED["closed"]))
        return replacing(card_for(ctx.session, poll, ctx.leader.id))
    return replacing(card_for(ctx.session, poll, ctx.leader.id, changing=poll.kind == "multi"))


@action(VOTE)
def pressed_option(ctx: Context, args: list[str]) -> Reply:
    return _press(ctx, args, choose=1)


@action(ADD)
def pressed_add(ctx: Context, args: list[str]) -> Reply:
    return _press(ctx, args, add=1)


@action(REMOVE)
def pressed_remove(ctx: Context, args: list[str]) -> Reply:
    return _press(ctx, args, remove=1)


@action(CHANGE)
def pressed_change(ctx: Context, args: list[str]) -> Reply:
    poll = _poll(ctx, args)
    if poll is None or not is_recipient(ctx.session, poll.id, ctx.leader.id):
        return _not_yours()
    return replacing(card_for(ctx.session, poll, ctx.leader.id, changing=True))


@action(VIEW)
def view(ctx: Context, args: list[str]) -> Reply:
    """Draws the card for whoever looks at it (Teams' refresh, "Done"): reads only."""
    poll = _poll(ctx, args)
    if poll is None or not is_recipient(ctx.session, poll.id, ctx.leader.id):
        return _not_yours()
    return replacing(card_for(ctx.session, poll, ctx.leader.id))


@command("polls", "Open polls for the head of government", "polls", examples=("polls",), private_only=True)
def polls(ctx: Context, args: str) -> Reply:
    """The polls open to you now, each as its card (answered or not)."""
    found = list(
        ctx.session.scalars(
            select(Poll)
            .join(PollRecipient, PollRecipient.poll_id == Poll.id)
            .where(PollRecipient.leader_id == ctx.leader.id, Poll.status == OPEN)
            .order_by(Poll.closes_at, Poll.id)
        )
    )
    if not found:
        return Reply(
            (
                Text("No polls are open for you right now.", "heading"),
                Text(
                    "When the staff team asks leaders like you a question, it arrives here as a card.",
                    "muted",
                ),
            )
        )
    blocks: list = [Text(f"Open polls for you ({len(found)})", "heading")]
    for poll in found:
        blocks.extend(card_for(ctx.session, poll, ctx.leader.id).blocks)
    return Reply(tuple(blocks))
