"""Neutral button actions: `name:arg1:arg2`, the same id whether pressed in Slack, Teams or the console.

A button on a card that shows state also carries the revision of the state it was drawn from:
`name:arg1:arg2~7` (`revised`). The engine splits it off before looking the handler up and hands it to
the use case as `Context.revision`, so a press on an out-of-date card can be told apart (bot/live.py).

Adapters decode their platform's payload (Slack `block_actions` value, Teams `Action.Submit` data) to this
id; use cases register a handler per name. Arguments are opaque strings the handler validates.

Form submissions (a Slack `view_submission`, a Teams `Action.Submit` with inputs) are actions that also
carry the submitted values; they have their own registry, `SUBMISSIONS`, so a plain button can never be
mistaken for a form and vice versa.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import Context
from bot.replies import Reply

ActionHandler = Callable[[Context, list[str]], Reply]
SubmitHandler = Callable[[Context, list[str], dict[str, str]], Reply]
ACTIONS: dict[str, ActionHandler] = {}
SUBMISSIONS: dict[str, SubmitHandler] = {}
MAX_ACTION_LENGTH = 255  # Slack's action_id limit; every platform's ids fit within it
MAX_VALUES = 100  # inputs one submission may carry: more than any form of ours has
MAX_VALUE_LENGTH = 10_000  # longer than any field allows, so the use case still says what is wrong
REVISION_MARK = "~"
MAX_REVISION_DIGITS = 12


def revised(action_id: str, revision: int) -> str:
    """`action_id` carrying the revision of the state the card was drawn from: `intro.accept:42~3`."""
    if revision < 0:
        raise ValueError("a revision is a count of changes, 0 or more")
    return f"{action_id}{REVISION_MARK}{revision}"


def split_revision(action_id: str) -> tuple[str, int | None]:
    """(`action_id` without its revision, the revision) — None when the button carried none."""
    base, mark, number = action_id.rpartition(REVISION_MARK)
    if mark and number.isdigit() and len(number) <= MAX_REVISION_DIGITS and number.isascii():
        return base, int(number)
    return action_id, None


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


def submission(name: str) -> Callable[[SubmitHandler], SubmitHandler]:
    def decorate(handler: SubmitHandler) -> SubmitHandler:
        SUBMISSIONS[name] = handler
        return handler
    return decorate


def decode_submission(action_id: str) -> tuple[SubmitHandler | None, list[str]]:
    if len(action_id) > MAX_ACTION_LENGTH:
        return None, []
    name, *args = action_id.split(":")
    return SUBMISSIONS.get(name), args


def is_submission(action_id: str) -> bool:
    """True if `action_id` names a form submission (adapters route those to `Bot.handle_submit`)."""
    return decode_submission(split_revision(action_id)[0])[0] is not None


def clean_values(values: object) -> dict[str, str]:
    """Submitted values as adapters decoded them, kept only if they are short strings under short names."""
    if not isinstance(values, dict):
        return {}
    return {key[:100]: value[:MAX_VALUE_LENGTH] for key, value in list(values.items())[:MAX_VALUES]
            if isinstance(key, str) and isinstance(value, str)}
