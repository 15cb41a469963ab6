"""Rendering a neutral reply as terminal text — what a leader would see in chat, minus the styling.

Buttons are numbered so a console user can press one by typing its number. A form is shown as its current
values; the use case that sent it says which typed commands change them.
"""

from __future__ import annotations

import textwrap

from bot.replies import Actions, Button, Chart, Form, PersonCard, Reply, Text

WIDTH = 100


BACK_PREFIX = "find.back:"  # "Back to results" (bot/usecases/find.py): shown as [0], pressed by typing 0


def is_back(button: Button) -> bool:
    return button.action.startswith(BACK_PREFIX)


def buttons_of(reply: Reply) -> list[Button]:
    """Every numbered button in the reply, in the order `render` numbers them (not links, not [0])."""
    found: list[Button] = []
    for block in reply.blocks:
        if isinstance(block, PersonCard | Actions):
            found.extend(b for b in block.buttons if not b.url and not is_back(b))
    return found


def back_of(reply: Reply) -> Button | None:
    return next((b for block in reply.blocks if isinstance(block, PersonCard | Actions)
                 for b in block.buttons if is_back(b)), None)


def render(reply: Reply, first_number: int = 1) -> str:
    """The reply as text; buttons numbered from `first_number` (the console continues the numbers of the
    results a profile was opened from, so those stay pressable)."""
    lines: list[str] = []
    number = first_number - 1
    for block in reply.blocks:
        if isinstance(block, Text):
            text = block.text
            if block.style == "heading":
                text = f"== {text} =="
            elif block.style == "error":
                text = f"! {text}"
            elif block.style == "muted":
                text = f"({text})"
            lines += textwrap.wrap(text, WIDTH) or [""]
        elif isinstance(block, PersonCard):
            lines.append(f"* {block.name}" + (f" — {block.headline}" if block.headline else ""))
            for field in block.fields:
                lines += textwrap.wrap(f"{field.label}: {field.value}", WIDTH, initial_indent="    ",
                                       subsequent_indent="      ")
            if block.verified:
                lines.append(f"    ✓ {block.verified}")
        elif isinstance(block, Form):
            lines += _form_lines(block)
        elif isinstance(block, Chart):
            lines += block.plain().splitlines()
        buttons = block.buttons if isinstance(block, PersonCard | Actions) else ()
        if buttons:
            labels = []
            for button in buttons:
                if button.url:  # a link is opened, not pressed: show where it goes
                    labels.append(f"{button.label}: {button.url}")
                    continue
                if is_back(button):
                    labels.append(f"[0] {button.label}")
                    continue
                number += 1
                labels.append(f"[{number}] {button.label}")
            lines.append("    " + "  ".join(labels))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _form_lines(form: Form) -> list[str]:
    lines = [f"== {form.title} =="] + (textwrap.wrap(f"({form.hint})", WIDTH) if form.hint else [])
    for field in form.fields:
        shown = field.shown_value() or "—"
        if field.kind == "choice":
            shown = f"{field.value} ({shown})"
        lines += textwrap.wrap(f"{field.label}: {shown}", WIDTH, initial_indent="    ",
                               subsequent_indent="      ")
        if field.error:
            lines.append(f"    ! {field.error}")
    return lines
