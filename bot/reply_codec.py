"""A neutral `Reply` as plain JSON and back, so a message can wait in the outbox as data.

The outbox (directory/outbox.py) stores what to say before any platform renders it: the worker renders
at send time with the current renderer. Every field of every block is kept — a queued card must arrive
exactly as the use case built it (a link button with its link, a live card with its refresh action) —
and tests/test_reply_codec.py proves it over generated replies.

The format is versioned. Version 2 (written now) stores every field; version 1 rows, written before
links, replacement and refresh existed, are still read, with those fields at their defaults. Decoding is
strict: a stored row that does not decode is a bug to report, not something to send half of.

    >>> reply_from_json(reply_to_json(Reply((Text("Hello"),)))) == Reply((Text("Hello"),))
    True
"""

from __future__ import annotations

from typing import Any, get_args

from bot.replies import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Chart,
    Field,
    Form,
    Input,
    InputKind,
    PersonCard,
    Reply,
    Text,
    TextStyle,
)

VERSION = 2
READABLE = (1, 2)
Json = dict[str, Any]
_TEXT_STYLES = frozenset(get_args(TextStyle))
_BUTTON_STYLES = frozenset(get_args(ButtonStyle))
_INPUT_KINDS = frozenset(get_args(InputKind))


class ReplyDecodeError(ValueError):
    """Stored JSON that is not a reply this version understands."""


def reply_to_json(reply: Reply) -> Json:
    return {"v": VERSION, "private": reply.private, "replace": reply.replace, "refresh": reply.refresh,
            "refresh_for": list(reply.refresh_for), "blocks": [_block(b) for b in reply.blocks]}


def _button(button: Button) -> Json:
    return {"label": button.label, "action": button.action, "style": button.style, "url": button.url}


def _input(field: Input) -> Json:
    return {"name": field.name, "label": field.label, "value": field.value, "kind": field.kind,
            "options": [list(option) for option in field.options], "max_length": field.max_length,
            "hint": field.hint, "error": field.error}


def _block(block: Block) -> Json:
    if isinstance(block, Text):
        return {"type": "text", "text": block.text, "style": block.style}
    if isinstance(block, PersonCard):
        return {"type": "person", "leader_id": block.leader_id, "name": block.name,
                "headline": block.headline, "fields": [[f.label, f.value] for f in block.fields],
                "verified": block.verified, "buttons": [_button(b) for b in block.buttons]}
    if isinstance(block, Actions):
        return {"type": "actions", "buttons": [_button(b) for b in block.buttons]}
    if isinstance(block, Chart):
        return {"type": "chart", "title": block.title,
                "bars": [[label, value] for label, value in block.bars]}
    if isinstance(block, Form):
        return {"type": "form", "form_id": block.form_id, "title": block.title,
                "submit_label": block.submit_label, "submit_action": block.submit_action, "hint": block.hint,
                "fields": [_input(i) for i in block.fields]}
    raise TypeError(f"not a reply block: {type(block).__name__}")


def reply_from_json(data: Any) -> Reply:
    if not isinstance(data, dict) or data.get("v") not in READABLE \
            or not isinstance(data.get("blocks"), list):
        raise ReplyDecodeError(f"not a stored reply of version {' or '.join(map(str, READABLE))}")
    reader = _Reader(data["v"])
    try:
        blocks = tuple(reader.block(b) for b in data["blocks"])
        if reader.version == 1:
            return Reply(blocks, private=bool(data.get("private", True)))
        return Reply(blocks, private=reader.flag(data, "private"), replace=reader.flag(data, "replace"),
                     refresh=reader.text(data, "refresh"),
                     refresh_for=tuple(reader.strings(data, "refresh_for")))
    except (KeyError, TypeError, ValueError) as error:
        raise ReplyDecodeError(f"stored reply does not decode: {type(error).__name__}: {error}") from None


class _Reader:
    """Reads one stored reply. Version 1 rows lack some fields (they default); version 2 has them all,
    each of the right type, so a row damaged in storage is refused instead of half-sent."""

    def __init__(self, version: int) -> None:
        self.version = version

    def text(self, data: Json, key: str, default: str | None = None) -> str:
        if key not in data and self.version == 1 and default is not None:
            return default
        value = data[key]
        if not isinstance(value, str):
            raise TypeError(f"{key} must be text, not {type(value).__name__}")
        return value

    def number(self, data: Json, key: str) -> int:
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{key} must be a whole number, not {type(value).__name__}")
        return value

    def flag(self, data: Json, key: str) -> bool:
        value = data[key]
        if not isinstance(value, bool):
            raise TypeError(f"{key} must be true or false, not {type(value).__name__}")
        return value

    def items(self, data: Json, key: str) -> list[Any]:
        value = data[key]
        if not isinstance(value, list):
            raise TypeError(f"{key} must be a list, not {type(value).__name__}")
        return value

    def strings(self, data: Json, key: str) -> list[str]:
        values = self.items(data, key)
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"{key} must hold only text")
        return values

    def choice(self, data: Json, key: str, allowed: frozenset[str], default: str) -> Any:
        value = self.text(data, key, default)
        if value not in allowed:
            raise ValueError(f"{key} {value!r} is not one of {sorted(allowed)}")
        return value

    def pair(self, value: Any) -> tuple[str, str]:
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            raise TypeError("expected a [text, text] pair")
        return value[0], value[1]

    def button(self, data: Json) -> Button:
        return Button(self.text(data, "label"), self.text(data, "action"),
                      self.choice(data, "style", _BUTTON_STYLES, "default"), self.text(data, "url", ""))

    def input(self, data: Json) -> Input:
        return Input(self.text(data, "name"), self.text(data, "label"), self.text(data, "value"),
                     self.choice(data, "kind", _INPUT_KINDS, "text"),
                     tuple(self.pair(o) for o in self.items(data, "options")),
                     self.number(data, "max_length"), self.text(data, "hint"), self.text(data, "error"))

    def block(self, data: Any) -> Block:
        if not isinstance(data, dict):
            raise TypeError("a block must be an object")
        kind = data["type"]
        if kind == "text":
            return Text(self.text(data, "text"), self.choice(data, "style", _TEXT_STYLES, "plain"))
        if kind == "person":
            return PersonCard(self.number(data, "leader_id"), self.text(data, "name"),
                              self.text(data, "headline"),
                              tuple(Field(*self.pair(f)) for f in self.items(data, "fields")),
                              self.text(data, "verified", ""),
                              tuple(self.button(b) for b in self.items(data, "buttons")))
        if kind == "actions":
            return Actions(tuple(self.button(b) for b in self.items(data, "buttons")))
        if kind == "form":
            return Form(self.text(data, "form_id"), self.text(data, "title"),
                        tuple(self.input(i) for i in self.items(data, "fields")),
                        self.text(data, "submit_label"), self.text(data, "submit_action"),
                        self.text(data, "hint", ""))
        if kind == "chart":
            bars = []
            for bar in self.items(data, "bars"):
                if not (isinstance(bar, list) and len(bar) == 2 and isinstance(bar[0], str)
                        and isinstance(bar[1], int) and not isinstance(bar[1], bool)):
                    raise TypeError("a chart bar is [label, count]")
                bars.append((bar[0], bar[1]))
            return Chart(self.text(data, "title"), tuple(bars))
        raise ValueError(f"unknown block type {kind!r}")
