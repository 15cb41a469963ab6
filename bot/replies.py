"""The neutral reply model: what the bot says, before any platform decides how it looks.

Use cases build these frozen dataclasses; each adapter renders them natively (Block Kit, Adaptive Cards,
terminal text) with a pure function. Every block has a plain-text form, so a platform that cannot show
something still says it. Text may use `backticks` for commands; nothing else is markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TextStyle = Literal["plain", "heading", "muted", "error"]
ButtonStyle = Literal["default", "primary", "danger"]


@dataclass(frozen=True)
class Text:
    text: str
    style: TextStyle = "plain"

    def plain(self) -> str:
        return self.text


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Button:
    """A button whose `action` is a neutral id such as `profile.view:42`, decoded by bot/actions.py."""

    label: str
    action: str
    style: ButtonStyle = "default"


@dataclass(frozen=True)
class PersonCard:
    """One leader as the viewer may see them: the use case has already removed hidden fields."""

    leader_id: int
    name: str
    headline: str  # "Role, Organisation" — as much of it as the viewer may see
    fields: tuple[Field, ...] = ()
    verified: str = ""  # how we know this is them, e.g. "Verified by staff import"
    buttons: tuple[Button, ...] = ()

    def plain(self) -> str:
        lines = [self.name + (f" — {self.headline}" if self.headline else "")]
        lines += [f"  {f.label}: {f.value}" for f in self.fields]
        if self.verified:
            lines.append(f"  ✓ {self.verified}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]

    def plain(self) -> str:
        return " ".join(f"[{b.label}]" for b in self.buttons)


Block = Text | PersonCard | Actions


@dataclass(frozen=True)
class Reply:
    """What the bot answers to one turn. `private` replies are shown only to the person who asked."""

    blocks: tuple[Block, ...] = field(default_factory=tuple)
    private: bool = True

    def plain(self) -> str:
        return "\n\n".join(block.plain() for block in self.blocks)

    @property
    def summary(self) -> str:
        """A one-line text for notifications and platforms' fallback `text` fields."""
        for block in self.blocks:
            if isinstance(block, Text):
                return block.text.splitlines()[0][:150]
        return "Leaders Connect"


def say(*lines: str, style: TextStyle = "plain") -> Reply:
    return Reply(tuple(Text(line, style) for line in lines))
