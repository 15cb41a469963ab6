"""Rendering a neutral reply as an Adaptive Card 1.5 — a pure function, tested with golden JSON.

Teams refuses a message over 100 KB, counted over the whole message encoded as UTF-16 — two bytes for
every character, ASCII included — and Microsoft asks bots to stay under 80 KB. So sizes here are UTF-16
bytes of the card as JSON, and a card is kept under `MAX_CARD_BYTES` (80 KB for the whole message, less a
margin for the activity envelope): any single text is capped; when the card still does not fit, the last
person cards are dropped ("…and N more"), then every text is shortened step by step, and only then does
the card say it is too long to show.

Every text is a RichTextBlock of TextRuns (literal.py), never a TextBlock or FactSet, because those
render Markdown: profile text and echoed queries must show as typed, not as links or images.

Buttons are Universal Actions: `Action.Execute` with the neutral action id as its `verb` and in its data
(`{"action": "<neutral id>"}`), answered by the bot's `adaptiveCard/action` invoke (bot.py); a form's
inputs (forms.py) ride along in the same data. A reply with `refresh` gets the card-level `refresh`
action, so Teams asks the bot for each viewer's own card as it is shown: automatically for the `userIds`
listed (the recipient, and the reply's `refresh_for`; at most 60 — Teams' limit), for everyone in chats
of up to 60 people when none are listed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from adapters.teams.forms import form_elements
from adapters.teams.literal import rich_text, run
from bot.replies import Actions, Block, Button, Chart, Field, Form, PersonCard, Reply, Text

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_MESSAGE_BYTES = 80_000
MAX_CARD_BYTES = MAX_MESSAGE_BYTES - 4_000  # room for the activity around the attachment
MAX_TEXT = 3_000  # one text block or fact; a profile's "About" rarely needs more
MAX_BUTTON_TITLE = 80
MAX_REFRESH_USERS = 60  # Teams refreshes a card by itself only for up to 60 listed users
SHORTER_TEXTS = (1_500, 600, 250, 100)  # the steps texts are cut to when a card is still too big

_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}

Json = dict[str, Any]


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_block(text: str, style: str = "plain") -> Json:
    """One of the core's sentences: literal text, with each `command` in backticks shown bold."""
    return rich_text(clip(text), style)


def execute(button: Button) -> Json:
    """A button: `Action.Execute` whose verb is the neutral action (or `Action.OpenUrl` for a link).

    `associatedInputs: none`, so a button beside a form never sends (or waits on) the form's inputs.
    """
    if button.url:
        return {"type": "Action.OpenUrl", "title": clip(button.label, MAX_BUTTON_TITLE), "url": button.url}
    action: Json = {"type": "Action.Execute", "title": clip(button.label, MAX_BUTTON_TITLE),
                    "verb": button.action, "data": {"action": button.action}, "associatedInputs": "none"}
    if button.style in _BUTTON_STYLES:
        action["style"] = _BUTTON_STYLES[button.style]
    return action


def action_set(buttons: tuple[Button, ...]) -> Json:
    return {"type": "ActionSet", "actions": [execute(b) for b in buttons]}


def person_elements(card: PersonCard) -> list[Json]:
    """A person: name, headline, their visible fields as facts, how they were verified, buttons."""
    items: list[Json] = [rich_text(clip(card.name, 200), {"weight": "Bolder", "size": "Medium"}, code=False)]
    if card.headline:
        items.append(rich_text(clip(card.headline, 400), {"isSubtle": True}, code=False, spacing="None"))
    for n, fact in enumerate(card.fields):  # label and value as a FactSet would show them, but literal
        spacing = {"spacing": "None"} if n else {}
        items.append({"type": "RichTextBlock", "inlines": [run(f"{clip(fact.label, 100)}: ", weight="Bolder"),
                                                           run(clip(fact.value))], **spacing})
    if card.verified:
        items.append(rich_text(f"✓ {clip(card.verified, 200)}", {"size": "Small", "color": "Good"},
                               code=False))
    if card.buttons:
        items.append(action_set(card.buttons))
    return items


def person_container(card: PersonCard) -> Json:
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": person_elements(card)}


def block_element(block: Block) -> Json:
    if isinstance(block, Text):
        return text_block(block.text, block.style)
    if isinstance(block, PersonCard):
        return person_container(block)
    if isinstance(block, Form):
        return {"type": "Container", "items": form_elements(block)}
    if isinstance(block, Chart):
        return chart(block)
    return action_set(block.buttons)


def chart(block: Chart) -> Json:
    """Teams' own `Chart.VerticalBar` (not in the Adaptive Card schema: a Teams extension), falling back to
    the same counts as literal text bars where a host cannot draw it."""
    return {"type": "Chart.VerticalBar", "title": clip(block.title, 200),
            "data": [{"x": clip(label, 60), "y": value} for label, value in block.bars],
            "fallback": rich_text(clip(block.plain()), code=False)}


def adaptive_card(body: list[Json], refresh: Json | None = None) -> Json:
    card: Json = {"type": "AdaptiveCard", "$schema": SCHEMA_URL, "version": "1.5", "body": body}
    if refresh is not None:
        card["refresh"] = refresh
    return card


def user_mri(user_id: str) -> str:
    """A Teams user as `refresh.userIds` names them: their `29:` id, or `8:orgid:<Entra object id>`."""
    return user_id if user_id.startswith(("29:", "8:orgid:")) else f"8:orgid:{user_id}"


def refresh_of(reply: Reply, viewers: Iterable[str] = ()) -> Json | None:
    """The card's `refresh`: its neutral refresh action, run automatically for `viewers` (the person the
    card is for) and the reply's `refresh_for`, at most `MAX_REFRESH_USERS` of them."""
    if not reply.refresh:
        return None
    refresh: Json = {"action": {"type": "Action.Execute", "verb": reply.refresh,
                                "data": {"action": reply.refresh}}}
    users = list(dict.fromkeys(user_mri(u) for u in (*viewers, *reply.refresh_for) if u))
    if users:
        refresh["userIds"] = users[:MAX_REFRESH_USERS]
    return refresh


def size_of(content: Any) -> int:
    """Bytes as Teams counts a message: the JSON text encoded as UTF-16 (two bytes an ASCII character)."""
    return len(json.dumps(content, ensure_ascii=False).encode("utf-16-le"))


def render_card(reply: Reply, max_bytes: int = MAX_CARD_BYTES, viewers: Iterable[str] = ()) -> Json:
    """The whole reply as one card, under `max_bytes` (UTF-16) when serialised.

    `viewers`: who the card is shown to (a 1:1 chat's user), for the automatic `refresh` of a live card.
    """
    refresh = refresh_of(reply, viewers)
    for attempt in (reply, *(_shortened(reply, limit) for limit in SHORTER_TEXTS)):
        card = _fitted(attempt, refresh, max_bytes)
        if card is not None:
            return card
    # Even short texts do not fit (thousands of blocks): say so plainly rather than send nothing.
    return adaptive_card([text_block(reply.summary), text_block(
        "This answer is too long to show in Teams. Try a narrower request.", "muted")])


def _fitted(reply: Reply, refresh: Json | None, max_bytes: int) -> Json | None:
    """The card, dropping person cards from the end until it fits; None if it cannot fit this way."""
    body = [block_element(block) for block in reply.blocks]
    card = adaptive_card(body or [text_block("…")], refresh)
    if size_of(card) <= max_bytes:
        return card
    people = [i for i, block in enumerate(reply.blocks) if isinstance(block, PersonCard)]
    dropped: set[int] = set()
    while people and size_of(card) > max_bytes:
        dropped.add(people.pop())
        kept = [element for i, element in enumerate(body) if i not in dropped]
        more = text_block(f"…and {len(dropped)} more — add words or filters to narrow it down.", "muted")
        card = adaptive_card([*kept, more], refresh)
    return card if size_of(card) <= max_bytes else None


def _shortened(reply: Reply, limit: int) -> Reply:
    """`reply` with every text a person reads cut to `limit` characters (ending in "…")."""
    def cut(text: str) -> str:
        return clip(text, limit)

    def shorter(block: Block) -> Block:
        if isinstance(block, Text):
            return dataclasses.replace(block, text=cut(block.text))
        if isinstance(block, PersonCard):
            return dataclasses.replace(block, headline=cut(block.headline), verified=cut(block.verified),
                                       fields=tuple(Field(f.label, cut(f.value)) for f in block.fields))
        if isinstance(block, Form):
            return dataclasses.replace(block, hint=cut(block.hint), fields=tuple(
                dataclasses.replace(i, hint=cut(i.hint), error=cut(i.error)) for i in block.fields))
        if isinstance(block, Chart):
            return dataclasses.replace(block, title=cut(block.title),
                                       bars=tuple((cut(label), value) for label, value in block.bars))
        assert isinstance(block, Actions)
        return block
    return dataclasses.replace(reply, blocks=tuple(shorter(b) for b in reply.blocks))


def render_attachment(reply: Reply, viewers: Iterable[str] = ()) -> Json:
    """The reply as an activity attachment (what `MessageFactory.attachment` sends)."""
    return {"contentType": CARD_CONTENT_TYPE, "content": render_card(reply, viewers=viewers)}
