"""/polls and /polls/<id>: the polls open to a leader, answered on the web exactly as in chat.

A poll page is the poll's chat card for the viewer (`card_for`), and its buttons post the card's own
actions — `poll.vote`, `poll.add`/`poll.remove` (multiple choice), `poll.change` — to /polls/<id>, run
by the engine as a chat press; a free-text answer or a comment is the chat form's submission
(`poll.answer`). So one ballot per leader whatever the platform, a second answer replaces the first (the
chat rule), a press after close is refused with the closed card, and an anonymous poll's ballot is keyed
by the poll's secret, never by the voter — nothing here stores or logs what anyone chose.

Only a leader the poll was sent to sees it; anyone else gets the same 404 as for no poll at all. Once a
poll that shares its results has closed, the page shows them (bot/poll_cards.py `shared_results`: the
counts and the breakdowns, a small group's cell hidden).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from adapters.web.engagement_pages import (
    Drawn,
    action_on,
    as_leader,
    gone,
    not_found,
    parse_subject,
    press,
    refused,
    site_url,
    submit,
)
from adapters.web.html_forms import error_summary
from adapters.web.html_render import problems_of
from adapters.web.site_kit import leader_page, posted, render
from bot.commands import Context
from bot.poll_cards import (
    ADD,
    ANSWER,
    CHANGE,
    CHOOSE,
    REMOVE,
    VIEW,
    VOTE,
    WRITE,
    card_for,
    shared_results,
)
from bot.replies import Actions, Reply, Text
from bot.usecases.polls import open_for, shared_with
from directory.outbox import as_utc
from directory.poll_store import ballot_of, is_recipient, options
from directory.polls import OPEN, Poll
from directory.when import format_moment

PRESSES = frozenset({VOTE, ADD, REMOVE, CHANGE, VIEW})  # what /polls/<id> accepts as a press
CHOICES = frozenset({VOTE})  # a single-choice or scale poll's buttons, drawn as radios


@dataclass(frozen=True)
class Row:
    id: int
    question: str
    closes: str
    answered: bool


def _moment(moment: datetime | None) -> str:
    shown = as_utc(moment)
    return format_moment(shown) if shown is not None else ""


def _listing(ctx: Context) -> dict[str, list[Row]]:
    open_now = [Row(p.id, p.question, _moment(p.closes_at),
                    ballot_of(ctx.session, p, ctx.leader.id) is not None) for p in open_for(ctx)]
    closed = [Row(p.id, p.question, _moment(p.closed_at), False) for p in shared_with(ctx)]
    return {"open_polls": open_now, "closed_polls": closed}


@leader_page
async def list_polls(request: web.Request) -> web.StreamResponse:
    found = await as_leader(request, _listing)
    if found is None:
        return gone(request)
    return render(request, "engagement/polls.html", {**found, "page_title": "Polls"})


def _poll(ctx: Context, poll_id: int) -> Poll | None:
    """The poll if it was sent to the viewer; otherwise None, as for no poll."""
    poll = ctx.session.get(Poll, poll_id)
    return poll if poll is not None and is_recipient(ctx.session, poll.id, ctx.leader.id) else None


@dataclass(frozen=True)
class Shown:
    """What a poll page shows: the card for the viewer and, for a multiple-choice poll being answered,
    its options as checkboxes (`ticks`: position, label, ticked) in place of the card's toggle buttons."""

    question: str
    reply: Reply
    ticks: tuple[tuple[int, str, bool], ...] = ()


def _toggles(block: object) -> bool:
    return isinstance(block, Actions) and any(b.action.split(":")[0] in (ADD, REMOVE) for b in block.buttons)


def _shown(ctx: Context, poll_id: int, answer: Reply | None = None) -> Shown | None:
    """The poll as the viewer sees it now, or after `answer` (what their press or form was answered)."""
    poll = _poll(ctx, poll_id)
    if poll is None:
        return None
    reply = answer or card_for(ctx.session, poll, ctx.leader.id)
    blocks = [*reply.blocks, *shared_results(poll)]
    ticks: tuple[tuple[int, str, bool], ...] = ()
    if poll.kind == "multi" and poll.status == OPEN and any(_toggles(b) for b in blocks):
        ballot = ballot_of(ctx.session, poll, ctx.leader.id)
        chosen = set(ballot.choices) if ballot is not None else set()
        ticks = tuple((position, label, position in chosen) for position, label in options(ctx.session, poll))
        blocks = [b for b in blocks if not _toggles(b)]
    return Shown(poll.question, Reply(tuple(blocks)), ticks)


def _page(request: web.Request, poll_id: int, shown: Shown, status: int = 200, problem: str = "",
          ) -> web.Response:
    problems = [problem] if problem else problems_of(shown.reply)
    anchor = f"option-{shown.ticks[0][0]}" if shown.ticks else "choice-poll-vote"
    summary = error_summary(shown.reply.form, *problems, anchor=anchor)
    # The question is the page's <h1>; the card's own heading of it would say it twice.
    body = Reply(tuple(b for b in shown.reply.blocks if not (isinstance(b, Text) and (
        (b.style == "heading" and b.text == shown.question) or b.style == "error"))))
    return render(request, "engagement/poll.html", {
        "page_title": shown.question[:80] or "Poll", "question": shown.question, "error_summary": summary,
        "poll_id": poll_id, "ticks": shown.ticks, "choose": f"{CHOOSE}:{poll_id}",
        "drawn": Drawn(body, f"/polls/{poll_id}", site_url(request), choices=CHOICES)},
        status=400 if summary and status == 200 else status)


@leader_page
async def show_poll(request: web.Request) -> web.StreamResponse:
    poll_id = parse_subject(request)
    if poll_id is None:
        return not_found(request, "poll")
    found = await as_leader(request, lambda ctx: (True, _shown(ctx, poll_id)))
    if found is None:
        return gone(request)
    if found[1] is None:
        return not_found(request, "poll")
    shown = found[1]
    if request.query.get("write") == "1":  # "Answer" / "Add a comment": the chat form, drawn by its use case
        written = await press(request, f"{WRITE}:{poll_id}")
        again = await as_leader(request, lambda ctx: _shown(ctx, poll_id, written)) if written else None
        if again is None:
            return gone(request)
        shown = again
    return _page(request, poll_id, shown)


SUBMITTED = {ANSWER: lambda name: name in ("answer", "comment"),
             CHOOSE: lambda name: name.startswith("option-")}  # the fields each form may send


@leader_page
async def answer_poll(request: web.Request) -> web.StreamResponse:
    poll_id = parse_subject(request)
    form = await posted(request)  # CSRF and Origin checked before anything else
    if poll_id is None:
        return not_found(request, "poll")
    found = await as_leader(request, lambda ctx: (True, _shown(ctx, poll_id)))
    if found is None:
        return gone(request)
    if found[1] is None:
        return not_found(request, "poll")
    submitted = form.pop("submit", "")
    if submitted:
        # The form's name and its poll, exactly: `poll.answer:<another poll>:<this one>` is not this page's.
        fields = SUBMITTED.get(submitted.split(":")[0]) \
            if action_on(submitted, frozenset(SUBMITTED), poll_id) else None
        if fields is None:
            return refused(request, "That form is not on this page. Go back to the poll and try again.")
        reply = await submit(request, submitted, {k: v for k, v in form.items() if fields(k)})
    else:
        action = form.get("action", "")
        if not action:  # the radios sent with none chosen: nothing to press
            return _page(request, poll_id, found[1], 400, "Choose an answer")
        if not action_on(action, PRESSES, poll_id):
            return refused(request, "That button is not on this page. Go back to the poll and try again.")
        reply = await press(request, action)
    shown = await as_leader(request, lambda ctx: _shown(ctx, poll_id, reply)) if reply is not None else None
    if shown is None:
        return gone(request)
    return _page(request, poll_id, shown)


def mount(app: web.Application) -> None:
    app.router.add_get("/polls", list_polls)
    app.router.add_get("/polls/{id}", show_poll)
    app.router.add_post("/polls/{id}", answer_poll)
