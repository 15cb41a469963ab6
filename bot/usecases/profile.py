"""Profile: one leader in full, as far as the viewer may see; your own profile with no argument."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from bot.actions import action
from bot.cards import profile_card, summary_card
from bot.commands import Context, command
from bot.intro_cards import FORM as INTRO_FORM
from bot.replies import Actions, Button, PersonCard, Reply, Text
from bot.usecases.find import BACK
from bot.usecases.quota import allowance, cap_reached, exhausted
from directory import audit
from directory.accounts import accounts_of
from directory.freshness import staleness
from directory.ids import parse_id
from directory.models import Leader
from directory.people import by_email, by_id
from directory.privacy import may_see
from directory.search import search
from directory.search_query import QueryError
from directory.textfold import tokens

CONTACT_FIELDS = ("email", "phone")
CONTACT_LATER = "Contact details are shared once you have been introduced."


@dataclass(frozen=True)
class ShownProfile:
    """One leader's profile as the viewer may see it, and what they may do next — decided here once for
    chat and the web, so no renderer chooses what to show."""

    card: PersonCard  # only the fields the viewer may see (bot/cards.py: profile_card)
    own: bool
    may_request_intro: bool  # someone else, not introduced yet, and the answer is for the viewer alone
    contact_hidden: bool  # they have an email or phone the viewer will see once introduced
    confirmed_on: str = ""  # when the leader last confirmed the profile, "3 March 2029"
    stale: str = ""  # "last confirmed 14 months ago" once a year unconfirmed (directory/freshness.py)


def show_profile(ctx: Context, leader: Leader) -> ShownProfile | None:
    """The profile, charged to the daily cap (your own is free) and its disclosed contact details
    audited; None once today's cap is reached."""
    own = leader.id == ctx.leader.id
    if not own and allowance(ctx, 1) == 0:
        return None
    viewer = ctx.viewer
    linked = tuple(a.linked_via for a in accounts_of(ctx.session, leader))
    card = profile_card(viewer, leader, linked)
    disclosed = [f for f in CONTACT_FIELDS if getattr(leader, f) and may_see(viewer, leader, f)]
    if disclosed and not own:
        audit.record(ctx.session, audit.leader_ref(ctx.leader.id), "contact.disclosed",
                     audit.leader_ref(leader.id), fields=disclosed, staff=ctx.is_staff)
    hidden = any(getattr(leader, f) and not may_see(viewer, leader, f) for f in CONTACT_FIELDS)
    may_request = not own and not ctx.shared and leader.id not in viewer.introduced_to
    confirmed = leader.last_confirmed
    return ShownProfile(card, own, may_request, hidden and not own,
                        f"{confirmed.day} {confirmed:%B %Y}" if confirmed else "", staleness(leader))


def profile_by_id(ctx: Context, leader_id: int | None) -> ShownProfile | Literal["capped", "missing"]:
    """A profile by its id, as a button or a web address names it. Past the cap the answer is "capped"
    whatever the id, before any lookup; an unknown id and a leaver are both "missing", alike."""
    if leader_id == ctx.leader.id:
        return show_profile(ctx, ctx.leader) or "capped"  # your own profile is never capped
    if exhausted(ctx):
        return "capped"
    leader = by_id(ctx.session, leader_id) if leader_id is not None else None
    if leader is None or leader.left_at is not None:  # a leaver is no longer shown, even from old cards
        return "missing"
    return show_profile(ctx, leader) or "capped"


def _profile_reply(ctx: Context, leader: Leader) -> Reply:
    return _reply_of(ctx, show_profile(ctx, leader))


def _reply_of(ctx: Context, shown: ShownProfile | None) -> Reply:
    if shown is None:
        return Reply((cap_reached(ctx),))
    card = shown.card
    if shown.may_request_intro:
        card = dataclasses.replace(card, buttons=(Button("Request introduction",
                                                         f"{INTRO_FORM}:{card.leader_id}", "primary"),))
    blocks: list = [card]
    if shown.own:
        blocks.append(Text("This is your own profile; other leaders see only the fields you share with "
                           "them. Type `me` to change it or who sees each field.", "muted"))
    elif shown.contact_hidden:
        blocks.append(Text(CONTACT_LATER, "muted"))
    return Reply(tuple(blocks))


@command("profile", "Show a leader's profile (yours if you name nobody)", "profile [name or email]",
         aliases=("p", "whois"), examples=("profile", "profile aine ni bhriain"))
def profile(ctx: Context, args: str) -> Reply:
    who = args.strip()
    if not who:
        return _profile_reply(ctx, ctx.leader)
    if exhausted(ctx):  # before any lookup: past the cap, nothing may say whether someone exists
        return Reply((cap_reached(ctx),))
    if "@" in who and " " not in who:
        leader = by_email(ctx.session, who)
        # An email the viewer may not see is not a key they may look people up by: the answer would
        # confirm whose address it is. Same words whether nobody or a hidden owner has it.
        if leader is None or leader.left_at is not None or not may_see(ctx.viewer, leader, "email"):
            return Reply((Text(f"No leader you can see has the email {who[:320]}.", "error"),))
        return _profile_reply(ctx, leader)
    try:
        hits = search(ctx.session, who, limit=5)
    except QueryError as error:
        return Reply((Text(f"I can't look that up: {error}.", "error"),))
    if not hits:
        return Reply((Text(f"No leader matches “{who[:100]}”. Try `find {who[:100]}`.", "error"),))
    wanted = set(tokens(who))
    exact = [h for h in hits if wanted <= set(tokens(h.leader.full_name))]
    if len(hits) == 1 or len(exact) == 1:
        return _profile_reply(ctx, (exact or hits)[0].leader)
    allowed = allowance(ctx, len(hits))
    if allowed == 0:
        return Reply((cap_reached(ctx),))
    return Reply((Text(f"Several leaders match “{who[:100]}” — which one?", "heading"),
                  *(summary_card(ctx.viewer, h.leader, h.matched) for h in hits[:allowed]),
                  *((cap_reached(ctx),) if allowed < len(hits) else ())))


@action("profile.view")
def view_profile(ctx: Context, args: list[str]) -> Reply:
    """A profile from a card's button; opened from a results page (`profile.view:<id>:<offset>:<query>`,
    bot/usecases/find.py), it offers "Back to results"."""
    reply = _view(ctx, parse_id(args[0]) if args else None)
    if len(args) > 2:
        back = Actions((Button("Back to results", f"{BACK}:{':'.join(args[1:])}"),))
        return Reply((*reply.blocks, back))
    return reply


def _view(ctx: Context, leader_id: int | None) -> Reply:
    shown = profile_by_id(ctx, leader_id)
    if shown == "missing":
        return Reply((Text("That profile is no longer in the directory.", "error"),))
    return _reply_of(ctx, None if shown == "capped" else shown)
