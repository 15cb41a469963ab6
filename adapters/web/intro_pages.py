"""/intros, /intros/new?to=<id>, /intros/<id>: a leader's introductions on the web.

The list shows what was asked of the viewer (with Accept, Not now and Decline on those waiting for them),
what they asked, and what happened. Each request is drawn by `card_for` — the very card chat shows, for
the same viewer — and its buttons post the card's own revised action to /intros/<id>, where the engine
runs the same use case as a chat press: the other side's chat cards are redrawn through the outbox, and a
stale or repeated press answers with the card as it is now and changes nothing.

A request is made with the chat form's submission (`intro.send:<id>`), so every limit and rule is chat's
(the reason's length, the open-request and weekly limits, blocks, yourself, a leaver); a refusal comes
back as the GOV.UK error summary with the reason kept, and nothing is made.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from bot.cards import summary_card
from bot.commands import Context
from bot.intro_cards import ACCEPT, BLOCK, DECLINE, NOT_NOW, SEND, WITHDRAW, card_for
from bot.replies import Form, Reply
from bot.usecases.intros import in_directory, reason_form
from directory.ids import parse_id
from directory.introductions import (
    ACCEPTED,
    DECLINED,
    EXPIRED,
    OPEN,
    REQUESTED,
    SNOOZED,
    WITHDRAWN,
    Introduction,
    day,
    intros_of,
    may_answer,
)
from directory.models import Leader

PRESSES = frozenset({ACCEPT, DECLINE, NOT_NOW, WITHDRAW, BLOCK})  # what /intros/<id> accepts
STATUS = {REQUESTED: ("Waiting for an answer", "govuk-tag--blue"), SNOOZED: ("Not now", "govuk-tag--yellow"),
          ACCEPTED: ("Introduced", "govuk-tag--green"), DECLINED: ("Declined", "govuk-tag--grey"),
          WITHDRAWN: ("Withdrawn", "govuk-tag--grey"), EXPIRED: ("Expired", "govuk-tag--grey")}


@dataclass(frozen=True)
class Row:
    """One introduction in the list, as the viewer may see it (names at `everyone` level only)."""

    id: int
    other: str
    status: str
    tag: str
    when: str
    card: Drawn | None  # the live card with its buttons, for requests waiting for the viewer


def _rows(ctx: Context, site: str) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = {"waiting": [], "sent": [], "earlier": []}
    for intro in intros_of(ctx.session, ctx.leader.id):
        mine = intro.requester_id == ctx.leader.id
        other = ctx.session.get(Leader, intro.recipient_id if mine else intro.requester_id)
        label, tag = STATUS.get(intro.status, (intro.status, "govuk-tag--grey"))
        when = day(intro.decided_at if intro.decided_at is not None else intro.created_at)
        waiting = not mine and intro.status in OPEN
        card = Drawn(card_for(ctx.session, intro, ctx.leader.id), f"/intros/{intro.id}", site, 3) \
            if waiting else None
        row = Row(intro.id, other.full_name if other is not None else "Someone", label, tag, when, card)
        groups["waiting" if waiting else "sent" if mine and intro.status in OPEN else "earlier"].append(row)
    return groups


@leader_page
async def list_intros(request: web.Request) -> web.StreamResponse:
    site = site_url(request)
    groups = await as_leader(request, lambda ctx: _rows(ctx, site))
    if groups is None:
        return gone(request)
    return render(request, "engagement/intros.html", {**groups,
                                                      "page_title": "Your introductions"})


def _visible(ctx: Context, intro_id: int) -> Introduction | None:
    """The introduction if the viewer asked it, was asked it, or answers for the one asked."""
    intro = ctx.session.get(Introduction, intro_id)
    if intro is None or (intro.requester_id != ctx.leader.id and not may_answer(ctx.session, intro,
                                                                                 ctx.leader.id)):
        return None
    return intro


def _card(ctx: Context, intro_id: int) -> Reply | None:
    intro = _visible(ctx, intro_id)
    return card_for(ctx.session, intro, ctx.leader.id) if intro is not None else None


def _intro_page(request: web.Request, intro_id: int, reply: Reply, *, sent: bool = False) -> web.Response:
    return render(request, "engagement/intro.html", {
        "page_title": "Introduction request", "sent": sent,
        "drawn": Drawn(reply, f"/intros/{intro_id}", site_url(request))})


@leader_page
async def show_intro(request: web.Request) -> web.StreamResponse:
    intro_id = parse_subject(request)
    if intro_id is None:
        return not_found(request, "introduction")
    found = await as_leader(request, lambda ctx: (True, _card(ctx, intro_id)))
    if found is None:
        return gone(request)
    if found[1] is None:
        return not_found(request, "introduction")
    return _intro_page(request, intro_id, found[1], sent=request.query.get("sent") == "1")


@leader_page
async def press_intro(request: web.Request) -> web.StreamResponse:
    """Accept, Not now, Decline, Withdraw or Block — the card's own action, run as a chat press."""
    intro_id = parse_subject(request)
    form = await posted(request)  # CSRF and Origin checked first: 403 before anything is read
    if intro_id is None:
        return not_found(request, "introduction")
    mine = await as_leader(request, lambda ctx: _visible(ctx, intro_id) is not None)
    if mine is None:
        return gone(request)
    if not mine:
        return not_found(request, "introduction")
    action = form.get("action", "")
    if not action_on(action, PRESSES, intro_id):
        return refused(request, "That button is not on this page. Go back to the introduction and try again.")
    reply = await press(request, action)
    if reply is None:
        return gone(request)
    return _intro_page(request, intro_id, reply)


# --- asking for one -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Asking:
    """What /intros/new shows: who is asked (as everyone sees them), or why they cannot be."""

    form: Form | None
    card: Reply | None
    problem: str = ""
    status: int = 200


def _asking(ctx: Context, to: int | None, reason: str = "", error: str = "") -> Asking:
    recipient = in_directory(ctx, [str(to)]) if to is not None else None
    if recipient is None:
        return Asking(None, None, "That profile is not in the directory.", 404)
    if recipient.id == ctx.leader.id:
        return Asking(None, None, "You can't request an introduction to yourself.", 400)
    card = summary_card(ctx.viewer, recipient)
    return Asking(reason_form(recipient, reason, error), Reply((card,)))


def _new_page(request: web.Request, to: int, asking: Asking, *problems: str,
              status: int = 200) -> web.Response:
    assert asking.form is not None
    return render(request, "engagement/intro_new.html", {
        "page_title": "Request an introduction", "error_summary": error_summary(asking.form, *problems),
        "who": Drawn(asking.card or Reply(), f"/intros/new?to={to}", site_url(request)),
        "drawn": Drawn(Reply((asking.form,)), f"/intros/new?to={to}", site_url(request))}, status=status)


@leader_page
async def new_intro(request: web.Request) -> web.StreamResponse:
    to = parse_id(request.query.get("to", ""))
    asking = await as_leader(request, lambda ctx: _asking(ctx, to))
    if asking is None:
        return gone(request)
    if asking.form is None or to is None:
        return refused(request, asking.problem, asking.status)
    return _new_page(request, to, asking)


@leader_page
async def send_intro(request: web.Request) -> web.StreamResponse:
    """The reason submitted: the chat form's own submission; the request made, or why not."""
    to = parse_id(request.query.get("to", ""))
    form = await posted(request)
    reason = form.get("reason", "")
    if to is None:
        return refused(request, "That profile is not in the directory.", 404)
    if form.get("submit", "") != f"{SEND}:{to}":
        return refused(request, "That form is not on this page. Go back to the profile and try again.")
    reply = await submit(request, f"{SEND}:{to}", {"reason": reason})
    if reply is None:
        return gone(request)
    answered = reply.form
    problems = problems_of(reply)
    if answered is None and not problems and reply.refresh.startswith("intro.view:"):
        made = reply.refresh.split(":", 1)[1]
        raise web.HTTPSeeOther(f"/intros/{made}?sent=1")
    # Refused: the form again, with the reason as typed and what is wrong with it (or with the request).
    error = answered.fields[0].error if answered is not None and answered.fields else ""
    asking = await as_leader(request, lambda ctx: _asking(ctx, to, reason[:5000], error))
    if asking is None:
        return gone(request)
    if asking.form is None:
        return refused(request, asking.problem, asking.status)
    return _new_page(request, to, asking, *problems, status=400)


def mount(app: web.Application) -> None:
    app.router.add_get("/intros", list_intros)
    app.router.add_get("/intros/new", new_intro)
    app.router.add_post("/intros/new", send_intro)
    app.router.add_get("/intros/{id}", show_intro)
    app.router.add_post("/intros/{id}", press_intro)
