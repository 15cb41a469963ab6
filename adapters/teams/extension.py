"""Messaging-extension results: the core's person cards as compose-box results — a pure function.

Each person becomes one result: a thumbnail preview for the list under the search box, and the person
card (an Adaptive Card) that is inserted into the conversation when picked. Anything else the core says
(no results, not verified, a bad query) becomes a one-line `message` result, shown in place of the list.

A thumbnail card's `text` takes Teams' HTML-like formatting, its `title` and `subtitle` none, so profile
text goes only into the title (the name) and subtitle (headline, then where they are); the card itself
is literal (literal.py).
"""

from __future__ import annotations

from typing import Any

from adapters.teams.render import CARD_CONTENT_TYPE, adaptive_card, clip, person_elements
from bot.replies import PersonCard, Reply, Text

THUMBNAIL_CONTENT_TYPE = "application/vnd.microsoft.card.thumbnail"
MAX_RESULTS = 25  # Teams shows at most 25 results per query

Json = dict[str, Any]


def person_result(card: PersonCard) -> Json:
    preview: Json = {"title": clip(card.name, 200)}
    where = next((f.value for f in card.fields if f.label == "Where"), "")
    found = next((f"found in {f.value}" for f in card.fields if f.label == "Found in"), "")
    subtitle = " — ".join(part for part in (card.headline, where, found) if part)
    if subtitle:
        preview["subtitle"] = clip(subtitle, 300)
    return {"contentType": CARD_CONTENT_TYPE, "content": adaptive_card(person_elements(card)),
            "preview": {"contentType": THUMBNAIL_CONTENT_TYPE, "content": preview}}


def extension_result(reply: Reply) -> Json:
    """A `composeExtension` body: person results, or the reply's first sentence as a message."""
    people = [block for block in reply.blocks if isinstance(block, PersonCard)]
    if people:
        return {"type": "result", "attachmentLayout": "list",
                "attachments": [person_result(card) for card in people[:MAX_RESULTS]]}
    texts = [block.text for block in reply.blocks if isinstance(block, Text)]
    message = " ".join(texts[:2]) if texts else "No results."
    return {"type": "message", "text": clip(message.replace("`", ""), 500)}
