"""A neutral `Reply` as plain JSON and back, so a message can wait in the outbox as data.

The outbox (directory/outbox.py) stores what to say before any platform renders it: the worker renders
at send time with the current renderer. The format is versioned (`"v": 1`) and strict on the way back in:
a stored row that does not decode is a bug to report, not something to send half of.

    >>> reply_from_json(reply_to_json(Reply((Text("Hello"),)))) == Reply((Text("Hello"),))
    True
"""

from __future__ import annotations

from typing import Any

from bot.replies import Actions, Block, Button, Field, Form, Input, PersonCard, Reply, Text

VERSION = 1
Json = dict[str, Any]


class ReplyDecodeError(ValueError):
    """Stored JSON that is not a reply this version understands."""


def reply_to_json(reply: Reply) -> Json:
    return {"v": VERSION, "private": reply.private, "blocks": [_block(b) for b in reply.blocks]}


def _button(button: Button) -> Json:
    return {"label": button.label, "action": button.action, "style": button.style}


def _block(block: Block) -> Json:
    if isinstance(block, Text):
        return {"type": "text", "text": block.text, "style": block.style}
    if isinstance(block, PersonCard):
        return {"type": "person", "leader_id": block.leader_id, "name": block.name,
                "headline": block.headline,
                "fields": [[f.label, f.value] for f in block.fields], "verified": block.verified,
                "buttons": [_button(b) for b in block.buttons]}
    if isinstance(block, Actions):
        return {"type": "actions", "buttons": [_button(b) for b in block.buttons]}
    if isinstance(block, Form):
        return {"type": "form", "form_id": block.form_id, "title": block.title,
                "submit_label": block.submit_label, "submit_action": block.submit_action, "hint": block.hint,
                "fields": [{"name": i.name, "label": i.label, "value": i.value, "kind": i.kind,
                            "options": [list(o) for o in i.options], "max_length": i.max_length,
                            "hint": i.hint, "error": i.error} for i in block.fields]}
    raise TypeError(f"not a reply block: {type(block).__name__}")


def reply_from_json(data: Any) -> Reply:
    if not isinstance(data, dict) or data.get("v") != VERSION or not isinstance(data.get("blocks"), list):
        raise ReplyDecodeError("not a stored reply of version 1")
    try:
        blocks = tuple(_from_block(b) for b in data["blocks"])
        return Reply(blocks, private=bool(data.get("private", True)))
    except (KeyError, TypeError, ValueError) as error:
        raise ReplyDecodeError(f"stored reply does not decode: {type(error).__name__}: {error}") from None


def _from_button(data: Json) -> Button:
    return Button(str(data["label"]), str(data["action"]), data.get("style", "default"))


def _from_block(data: Json) -> Block:
    kind = data["type"]
    if kind == "text":
        return Text(str(data["text"]), data.get("style", "plain"))
    if kind == "person":
        return PersonCard(int(data["leader_id"]), str(data["name"]), str(data["headline"]),
                          tuple(Field(str(label), str(value)) for label, value in data["fields"]),
                          str(data.get("verified", "")), tuple(_from_button(b) for b in data["buttons"]))
    if kind == "actions":
        return Actions(tuple(_from_button(b) for b in data["buttons"]))
    if kind == "form":
        return Form(str(data["form_id"]), str(data["title"]), tuple(
            Input(str(i["name"]), str(i["label"]), str(i["value"]), i["kind"],
                  tuple((str(v), str(label)) for v, label in i["options"]), int(i["max_length"]),
                  str(i["hint"]), str(i["error"])) for i in data["fields"]),
            str(data["submit_label"]), str(data["submit_action"]), str(data.get("hint", "")))
    raise ValueError(f"unknown block type {kind!r}")
