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
InputKind = Literal["text", "multiline", "choice"]


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
    """A button whose `action` is a neutral id such as `profile.view:42`, decoded by bot/actions.py.

    A button with a `url` opens that page in the browser instead (a sign-in or a download link); its
    action is empty and platforms send nothing back to the bot for it.
    """

    label: str
    action: str = ""
    style: ButtonStyle = "default"
    url: str = ""


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


@dataclass(frozen=True)
class Input:
    """One field of a Form. `name` is what the submitted value comes back under; `error` marks it bad.

    A `choice` has `options` as (value, label) pairs and `value` is the chosen option's value.
    """

    name: str
    label: str
    value: str = ""
    kind: InputKind = "text"
    options: tuple[tuple[str, str], ...] = ()
    max_length: int = 0  # 0: no limit of our own
    hint: str = ""
    error: str = ""

    def shown_value(self) -> str:
        if self.kind == "choice":
            return dict(self.options).get(self.value, self.value)
        return self.value


@dataclass(frozen=True)
class Form:
    """Inputs submitted together as one neutral action, `submit_action`, with every input's value.

    Slack shows it as a modal, Teams as an Adaptive Card with inputs; the console (and any platform in a
    plain-text context) shows the current values, and the use case offers typed commands instead.
    """

    form_id: str
    title: str
    fields: tuple[Input, ...]
    submit_label: str
    submit_action: str
    hint: str = ""

    @property
    def errors(self) -> dict[str, str]:
        return {f.name: f.error for f in self.fields if f.error}

    def plain(self) -> str:
        lines = [self.title] + ([self.hint] if self.hint else [])
        lines += [f"  {f.label}: {f.shown_value() or '—'}" for f in self.fields]
        return "\n".join(lines)


@dataclass(frozen=True)
class Chart:
    """A bar chart of counts (a poll's results): Teams draws a chart, every other platform text bars."""

    title: str
    bars: tuple[tuple[str, int], ...]

    def plain(self) -> str:
        total = sum(value for _, value in self.bars)
        lines = [self.title] if self.title else []
        for label, value in self.bars:
            filled = round(20 * value / total) if total else 0
            share = round(100 * value / total) if total else 0
            lines.append(f"{label}\n{'█' * filled}{'░' * (20 - filled)} {value} ({share}%)")
        return "\n".join(lines)


Block = Text | PersonCard | Actions | Form | Chart


@dataclass(frozen=True)
class Reply:
    """What the bot answers to one turn, or a card it sends first.

    `private`: shown only to the person who asked (Slack: ephemeral; Teams: in a channel or group chat the
    answer goes to the person's 1:1 chat with the bot instead). A reply may be posted where others read it
    only if it says `private=False`: the engine marks so the answers it rendered for the audience of a
    shared conversation (Bot.handle_text), and a use case may for a card meant for a channel.

    `replace`: the answer to a button press takes the place of the card the button was on (Slack
    `replace_original`, Teams the `adaptiveCard/action` invoke answer) instead of arriving as a new message.
    The console, which cannot redraw, shows it as the next message.

    `refresh`: a card that shows state someone else can change (an introduction, a poll) names a neutral
    action that draws it again for whoever is looking at it (Teams Universal Actions `refresh`: each viewer
    sees their own state). `refresh_for` lists the chat user ids whose view refreshes by itself in a large
    conversation (Teams allows 60); in a 1:1 chat the recipient always is. See bot/live.py.
    """

    blocks: tuple[Block, ...] = field(default_factory=tuple)
    private: bool = True
    replace: bool = False
    refresh: str = ""
    refresh_for: tuple[str, ...] = ()

    def plain(self) -> str:
        return "\n\n".join(block.plain() for block in self.blocks)

    @property
    def form(self) -> Form | None:
        """The reply's form, if it has one: a platform with modals shows it as one."""
        return next((block for block in self.blocks if isinstance(block, Form)), None)

    @property
    def summary(self) -> str:
        """A one-line text for notifications and platforms' fallback `text` fields."""
        for block in self.blocks:
            if isinstance(block, Text):
                return block.text.splitlines()[0][:150]
        return "Leaders Connect"


def say(*lines: str, style: TextStyle = "plain") -> Reply:
    return Reply(tuple(Text(line, style) for line in lines))
