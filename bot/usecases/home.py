"""The leader's own page — Slack's App Home tab: their profile, their digest settings, and a button that
opens the settings form.

It is an action rather than a typed command (nobody types "home"; the platform asks for it when the tab
opens), so an unlinked or unknown person gets the engine's usual welcome and nothing personal. The
button (`settings.open`) answers with the same form `settings` shows, which Slack opens as a modal.
"""

from __future__ import annotations

from bot.actions import action
from bot.commands import Context
from bot.replies import Actions, Button, Reply, Text
from directory.digests import preference

SHOW = "home.show"
OPEN_SETTINGS = "settings.open"


@action(SHOW)
def home(ctx: Context, args: list[str]) -> Reply:
    # Imported here, not at the top: help lists commands in the order their modules are first imported.
    from bot.usecases.preferences import summary
    from bot.usecases.profile import profile

    own = profile(ctx, "")
    shown = summary(ctx, preference(ctx.session, ctx.leader.id), "Your digest settings")
    return Reply((*own.blocks, *shown.blocks[:-1],
                  Actions((Button("Change settings", OPEN_SETTINGS, "primary"),)),
                  Text("Or type `/leaders settings` anywhere, e.g. `/leaders settings digest daily 07:30`.",
                       "muted")))


@action(OPEN_SETTINGS)
def open_settings(ctx: Context, args: list[str]) -> Reply:
    from bot.usecases.preferences import settings

    return settings(ctx, "")
