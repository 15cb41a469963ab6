"""Profile: one leader in full, as far as the viewer may see; your own profile with no argument."""

from __future__ import annotations

import dataclasses

from bot.actions import action
from bot.cards import profile_card, summary_card
from bot.commands import Context, command
from bot.intro_cards import FORM as INTRO_FORM
from bot.replies import Actions, Button, Reply, Text
from bot.usecases.find import BACK
from bot.usecases.quota import allowance, cap_reached, exhausted
from directory import audit
from directory.accounts import accounts_of
from directory.ids import parse_id
from directory.models import Leader
from directory.people import by_email, by_id
from directory.privacy import may_see
from directory.search import search
from directory.search_query import QueryError
from directory.textfold import tokens

CONTACT_FIELDS = ("email", "phone")


def _profile_reply(ctx: Context, leader: Leader) -> Reply:
    own = leader.id == ctx.leader.id
    if not own and allowance(ctx, 1) == 0:
        return Reply((cap_reached(ctx),))
    linked = tuple(a.linked_via for a in accounts_of(ctx.session, leader))
    card = profile_card(ctx.viewer, leader, linked)
    if not own and not ctx.shared and leader.id not in ctx.viewer.introduced_to:
        card = dataclasses.replace(card, buttons=(Button("Request introduction", f"{INTRO_FORM}:{leader.id}",
                                                         "primary"),))
    disclosed = [f for f in CONTACT_FIELDS if getattr(leader, f) and may_see(ctx.viewer, leader, f)]
    if disclosed and not own:
        audit.record(ctx.session, audit.leader_ref(ctx.leader.id), "contact.disclosed",
                     audit.leader_ref(leader.id), fields=disclosed, staff=ctx.is_staff)
    blocks: list = [card]
    if own:
        blocks.append(Text("This is your own profile; other leaders see only the fields you share with "
                           "them. Type `me` to change it or who sees each field.", "muted"))
    elif any((leader.email if f == "email" else leader.phone) and not may_see(ctx.viewer, leader, f)
             for f in ("email", "phone")):
        blocks.append(Text("Contact details are shared once you have been introduced.", "muted"))
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
    if leader_id == ctx.leader.id:
        return _profile_reply(ctx, ctx.leader)  # your own profile is never capped
    if exhausted(ctx):
        return Reply((cap_reached(ctx),))
    leader = by_id(ctx.session, leader_id) if leader_id is not None else None
    if leader is None or leader.left_at is not None:  # a leaver is no longer shown, even from old cards
        return Reply((Text("That profile is no longer in the directory.", "error"),))
    return _profile_reply(ctx, leader)
