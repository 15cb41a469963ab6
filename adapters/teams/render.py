"""Rendering a neutral reply as an Adaptive Card 1.5 — a pure function, tested with golden JSON.

Teams refuses messages over 100 KB, so a card is kept under `MAX_CARD_BYTES` (80 KB for the whole
message, less a margin for the activity envelope): any single text is capped, and when the person cards
still do not fit, the last ones are dropped and replaced by "…and N more". Buttons become
`Action.Submit` with `{"action": "<neutral id>"}` data, which `decode_action` (actions.py) reads back;
a form's inputs (forms.py) ride along in the same data.

Every text is a RichTextBlock of TextRuns (literal.py), never a TextBlock or FactSet, because those
render Markdown: profile text and echoed queries must show as typed, not as links or images.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.teams.forms import form_elements
from adapters.teams.literal import rich_text, run
from bot.replies import Block, Button, Form, PersonCard, Reply, Text

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_MESSAGE_BYTES = 80_000
MAX_CARD_BYTES = MAX_MESSAGE_BYTES - 4_000  # room for the activity around the attachment
MAX_TEXT = 3_000  # one text block or fact; a profile's "About" rarely needs more
MAX_BUTTON_TITLE = 80

_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}

Json = dict[str, Any]


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_block(text: str, style: str = "plain") -> Json:
    """One of the core's sentences: literal text, with each `command` in backticks shown bold."""
    return rich_text(clip(text), style)


def submit(button: Button) -> Json:
    if button.url:
        return {"type": "Action.OpenUrl", "title": clip(button.label, MAX_BUTTON_TITLE), "url": button.url}
    action: Json = {"type": "Action.Submit", "title": clip(button.label, MAX_BUTTON_TITLE),
                    "data": {"action": button.action}}
    if button.style in _BUTTON_STYLES:
        action["style"] = _BUTTON_STYLES[button.style]
    return action


def action_set(buttons: tuple[Button, ...]) -> Json:
    return {"type": "ActionSet", "actions": [submit(b) for b in buttons]}


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
    return action_set(block.buttons)


def adaptive_card(body: list[Json]) -> Json:
    return {"type": "AdaptiveCard", "$schema": SCHEMA_URL, "version": "1.5", "body": body}


def size_of(content: Json) -> int:
    """Bytes on the wire, counted as the largest common encoding (ASCII escapes, spaced separators)."""
    return len(json.dumps(content).encode("utf-8"))


def render_card(reply: Reply, max_bytes: int = MAX_CARD_BYTES) -> Json:
    """The whole reply as one card, under `max_bytes` when serialised."""
    body = [block_element(block) for block in reply.blocks]
    card = adaptive_card(body or [text_block("…")])
    if size_of(card) <= max_bytes:
        return card
    people = [i for i, block in enumerate(reply.blocks) if isinstance(block, PersonCard)]
    dropped: list[int] = []
    while people and size_of(card) > max_bytes:
        dropped.append(people.pop())
        kept = [element for i, element in enumerate(body) if i not in dropped]
        more = text_block(f"…and {len(dropped)} more — add words or filters to narrow it down.", "muted")
        card = adaptive_card([*kept, more])
    if size_of(card) > max_bytes:  # no people left to drop: say so plainly rather than send nothing
        card = adaptive_card([text_block(reply.summary), text_block(
            "This answer is too long to show in Teams. Try a narrower request.", "muted")])
    return card


def render_attachment(reply: Reply) -> Json:
    """The reply as an activity attachment (what `MessageFactory.attachment` sends)."""
    return {"contentType": CARD_CONTENT_TYPE, "content": render_card(reply)}
