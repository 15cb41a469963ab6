"""Is your profile still right? The private question a leader gets six months after last confirming it.

**Still right** confirms it (the clock starts again, and the card says so in place); **Edit** opens the
profile form, and saving it confirms the profile too (directory.people.update_own_profile).
"""

from __future__ import annotations

from bot.actions import action
from bot.cards import profile_card
from bot.commands import Context
from bot.live import replacing
from bot.replies import Actions, Button, Reply, Text
from directory import audit, freshness
from directory.models import Leader
from directory.privacy import Viewer

CONFIRM = "freshness.confirm"
EDIT = "freshness.edit"


def prompt(leader: Leader) -> Reply:
    """The question, with the profile as everyone sees it, so the leader can judge it at a glance."""
    return Reply((Text("Is your profile still right?", "heading"),
                  Text("Other leaders find you by it. It takes a second to confirm, or a minute to fix.",
                       "muted"),
                  profile_card(Viewer(leader.id), leader),
                  Actions((Button("Still right", CONFIRM, "primary"), Button("Edit", EDIT)))))


@action(CONFIRM)
def still_right(ctx: Context, args: list[str]) -> Reply:
    freshness.confirm(ctx.session, ctx.leader, audit.leader_ref(ctx.leader.id))
    return replacing(Reply((Text("Thank you — your profile is confirmed as right.", "heading"),
                            Text("We'll ask again in six months. Type `me` to change it any time.",
                                 "muted"))))


@action(EDIT)
def edit(ctx: Context, args: list[str]) -> Reply:
    # imported here: importing `me` registers its command, and help lists commands in import order
    from bot.usecases.me import TYPED_HELP, profile_form
    return Reply((profile_form(ctx.leader), Text(TYPED_HELP, "muted")))
