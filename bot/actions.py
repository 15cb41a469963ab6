"""Neutral button actions: `name:arg1:arg2`, the same id whether pressed in Slack, Teams or the console.

Adapters decode their platform's payload (Slack `block_actions` value, Teams `Action.Submit` data) to this
id; use cases register a handler per name. Arguments are opaque strings the handler validates.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import Context
from bot.replies import Reply

ActionHandler = Callable[[Context, list[str]], Reply]
ACTIONS: dict[str, ActionHandler] = {}
MAX_ACTION_LENGTH = 255  # Slack's action_id limit; every platform's ids fit within it


def action(name: str) -> Callable[[ActionHandler], ActionHandler]:
    def decorate(handler: ActionHandler) -> ActionHandler:
        ACTIONS[name] = handler
        return handler
    return decorate


def decode(action_id: str) -> tuple[ActionHandler | None, list[str]]:
    if len(action_id) > MAX_ACTION_LENGTH:
        return None, []
    name, *args = action_id.split(":")
    return ACTIONS.get(name), args
