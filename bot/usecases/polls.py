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

from bot.actions import action, submission
from bot.commands import Context, command
from bot.live import replacing
from bot.poll_cards import (
    ADD,
    ANSWER,
    CHANGE,
    CHOOSE,
    REMOVE,
    VIEW,
    VOTE,
    WRITE,
    answer_form,
    card_for,
    closed_card,
)
from bot.replies import Chart, Reply, Text
from bot.usecases.poll_form import poll_form
from directory.ids import parse_id
from directory.poll_store import VoteRefused, ballot_of, is_recipient, results, vote
from directory.polls import CLOSED, MAX_ANSWER, OPEN, Poll, PollRecipient

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


def _press(ctx: Context, args: list[str], how: str) -> Reply:
    poll_id, position = (parse_id(args[0]) if args else None), _position(args)
    if poll_id is None or position is None:
        return replacing(Reply((Text("That poll no longer exists.", "error"),)))
    try:
        ballot = vote(ctx.session, poll_id, ctx.leader, **{how: position})
    except VoteRefused as refused:
        poll = ctx.session.get(Poll, poll_id)
        if poll is None:
            return replacing(Reply((Text("That poll no longer exists.", "error"),)))
        ctx.session.refresh(poll)
        if refused.reason == "not_asked":
            return _not_yours()
        if refused.reason == "closed" or poll.status != OPEN:
            return replacing(closed_card(ctx.session, poll, _REFUSED["closed"]))
        return replacing(card_for(ctx.session, poll, ctx.leader.id))
    poll = ctx.session.get(Poll, poll_id)  # loaded by the vote: no query
    assert poll is not None
    return replacing(card_for(ctx.session, poll, ctx.leader.id, changing=poll.kind == "multi", ballot=ballot))


@action(VOTE)
def pressed_option(ctx: Context, args: list[str]) -> Reply:
    return _press(ctx, args, "choose")


@action(ADD)
def pressed_add(ctx: Context, args: list[str]) -> Reply:
    return _press(ctx, args, "add")


@action(REMOVE)
def pressed_remove(ctx: Context, args: list[str]) -> Reply:
    return _press(ctx, args, "remove")


@action(CHANGE)
def pressed_change(ctx: Context, args: list[str]) -> Reply:
    poll = _poll(ctx, args)
    if poll is None or not is_recipient(ctx.session, poll.id, ctx.leader.id):
        return _not_yours()
    return replacing(card_for(ctx.session, poll, ctx.leader.id, changing=True))


@action(WRITE)
def pressed_write(ctx: Context, args: list[str]) -> Reply:
    """Answer in words, or add a comment: a form (a Slack modal, a Teams card, typed in the console)."""
    poll = _poll(ctx, args)
    if poll is None or not is_recipient(ctx.session, poll.id, ctx.leader.id):
        return _not_yours()
    if poll.status != OPEN:
        return replacing(card_for(ctx.session, poll, ctx.leader.id))
    if poll.kind != "text" and not poll.allow_comment:
        return replacing(card_for(ctx.session, poll, ctx.leader.id))
    return answer_form(ctx.session, poll, ballot_of(ctx.session, poll, ctx.leader.id))


def chosen_positions(values: dict[str, str]) -> list[int] | None:
    """The positions ticked in a submitted `option-<position>` set; None if a field is not one of ours."""
    found = []
    for name in values:
        position = parse_id(name.removeprefix("option-")) if name.startswith("option-") else None
        if position is None:
            return None
        found.append(position)
    return found


@submission(CHOOSE)
def submitted_choices(ctx: Context, args: list[str], values: dict[str, str]) -> Reply:
    """A multiple-choice answer as a whole (the web's checkboxes): the ballot becomes exactly the ticked
    options — the same ballot the toggle buttons build one press at a time; sent twice, the same ballot."""
    poll = _poll(ctx, args)
    if poll is None or not is_recipient(ctx.session, poll.id, ctx.leader.id):
        return _not_yours()
    positions = chosen_positions(values)
    if not positions:
        problem = "Choose at least one answer." if positions is not None else _REFUSED["bad_choice"]
        return replacing(Reply((Text(problem, "error"),
                                *card_for(ctx.session, poll, ctx.leader.id, changing=True).blocks)))
    try:
        ballot = vote(ctx.session, poll.id, ctx.leader, choices=positions)
    except VoteRefused as refused:
        ctx.session.refresh(poll)
        if refused.reason == "closed" or poll.status != OPEN:
            return replacing(closed_card(ctx.session, poll, _REFUSED["closed"]))
        return replacing(Reply((Text(_REFUSED.get(refused.reason, _REFUSED["bad_choice"]), "error"),
                                *card_for(ctx.session, poll, ctx.leader.id, changing=True).blocks)))
    return replacing(card_for(ctx.session, poll, ctx.leader.id, ballot=ballot))


@submission(ANSWER)
def submitted_answer(ctx: Context, args: list[str], values: dict[str, str]) -> Reply:
    poll = _poll(ctx, args)
    if poll is None:
        return replacing(Reply((Text("That poll no longer exists.", "error"),)))
    if not is_recipient(ctx.session, poll.id, ctx.leader.id):
        return _not_yours()  # before any form or card of it: neither its question nor its options
    answer = values.get("answer") if poll.kind == "text" else None
    comment = values.get("comment") if poll.allow_comment else None
    if answer is not None and not answer.strip():
        return answer_form(
            ctx.session,
            poll,
            ballot_of(ctx.session, poll, ctx.leader.id),
            error="Write your answer, or close this without sending.",
        )
    for text in (answer, comment):
        if text is not None and len(text) > MAX_ANSWER:
            return answer_form(
                ctx.session,
                poll,
                ballot_of(ctx.session, poll, ctx.leader.id),
                error=f"That is {len(text):,} characters; the most is {MAX_ANSWER:,}.",
            )
    if answer is None and comment is None:
        return replacing(card_for(ctx.session, poll, ctx.leader.id))
    try:
        ballot = vote(ctx.session, poll.id, ctx.leader, answer=answer, comment=comment)
    except VoteRefused as refused:
        ctx.session.refresh(poll)
        if refused.reason == "not_asked":
            return _not_yours()
        return replacing(
            closed_card(ctx.session, poll, _REFUSED["closed"])
            if poll.status != OPEN
            else card_for(ctx.session, poll, ctx.leader.id)
        )
    return replacing(card_for(ctx.session, poll, ctx.leader.id, ballot=ballot))


@action(VIEW)
def view(ctx: Context, args: list[str]) -> Reply:
    """Draws the card for whoever looks at it (Teams' refresh, "Done"): reads only."""
    poll = _poll(ctx, args)
    if poll is None or not is_recipient(ctx.session, poll.id, ctx.leader.id):
        return _not_yours()
    return replacing(card_for(ctx.session, poll, ctx.leader.id))


def open_for(ctx: Context) -> list[Poll]:
    """The polls open to the leader now, closing soonest first (chat's `polls`, the web's /polls)."""
    return list(
        ctx.session.scalars(
            select(Poll)
            .join(PollRecipient, PollRecipient.poll_id == Poll.id)
            .where(PollRecipient.leader_id == ctx.leader.id, Poll.status == OPEN)
            .order_by(Poll.closes_at, Poll.id)
        )
    )


def shared_with(ctx: Context, limit: int = 10) -> list[Poll]:
    """Closed polls the leader was asked whose results are shared with participants, newest first."""
    return list(
        ctx.session.scalars(
            select(Poll)
            .join(PollRecipient, PollRecipient.poll_id == Poll.id)
            .where(PollRecipient.leader_id == ctx.leader.id, Poll.status == CLOSED,
                   Poll.results_for == "participants")
            .order_by(Poll.closed_at.desc(), Poll.id.desc())
            .limit(limit)
        )
    )


@command("polls", "Open polls for the head of government", "polls", examples=("polls",), private_only=True)
def polls(ctx: Context, args: str) -> Reply:
    """The polls open to you now, each as its card (answered or not)."""
    found = open_for(ctx)
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


def results_card(ctx: Context, poll: Poll) -> Reply:
    """Results for staff: counts as text bars, the response rate, breakdowns with hidden groups marked."""
    shown = results(ctx.session, poll)
    rate = round(100 * shown["response_rate"])
    blocks: list = [
        Text(poll.question, "heading"),
        Text(
            f"Poll {poll.id} · {poll.status} · "
            f"{shown['responded']} of {shown['audience']} answered ({rate}%)",
            "muted",
        ),
    ]
    if not shown["final"]:
        blocks.append(
            Text(
                "Counts are shown once the poll closes: a running tally would let anyone who "
                "watched it tell what each new answer was.",
                "muted",
            )
        )
        return Reply(tuple(blocks))
    if shown["options"]:
        blocks.append(Chart("Answers", tuple((o["label"], o["count"]) for o in shown["options"])))
    for dimension in ("sector", "region"):
        lines = []
        for group in shown["breakdowns"][dimension]:
            if group.get("suppressed"):
                lines.append(f"{group['group']}: hidden (small group)")
            elif group["responded"]:
                counts = ", ".join(f"{o['label']} {o['count']}" for o in group["options"])
                lines.append(
                    f"{group['group']}: {group['responded']} answered" + (f" — {counts}" if counts else "")
                )
        if lines:
            blocks.append(Text(f"By {dimension}\n" + "\n".join(lines)))
    if shown["comments"]:
        blocks.append(Text("Comments\n" + "\n".join(f"“{c['text']}”" for c in shown["comments"][:20])))
    return Reply(tuple(blocks))


@command(
    "poll",
    "Polls for the head of government (staff): list them and see results",
    "poll [list | results <id>]",
    staff_only=True,
    examples=("poll list", "poll results 3"),
    private_only=True,
)
def poll_staff(ctx: Context, args: str) -> Reply:
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if verb in ("", "list"):
        found = list(ctx.session.scalars(select(Poll).order_by(Poll.id.desc()).limit(20)))
        if not found:
            return Reply((Text("No polls yet. Staff create them with `leaders poll create`.", "muted"),))
        lines = [f"{p.id} · {p.status} · {p.audience_size} asked · {p.question}" for p in found]
        return Reply(
            (
                Text("Polls", "heading"),
                Text("\n".join(lines)),
                Text("Type `poll results <id>` for one poll's results.", "muted"),
            )
        )
    if verb == "results":
        poll_id = parse_id(rest.strip())
        poll = ctx.session.get(Poll, poll_id) if poll_id is not None else None
        if poll is None:
            return Reply((Text("There is no such poll. Type `poll list` to see them.", "error"),))
        return results_card(ctx, poll)
    if verb == "new":
        return poll_form()
    return Reply((Text("Type `poll list` or `poll results <id>`.", "error"),))
