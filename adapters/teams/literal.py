"""Text that Teams shows exactly as written: Adaptive Card `RichTextBlock`s made of `TextRun`s.

A TextBlock's text, a FactSet's titles and values and an input's label are Markdown to Teams: a bio
reading `[Update your details](https://phish.example)` would become a link, `![](https://track.example/p)`
an image request on some clients, `**`, `_`, `- ` and `1. ` formatting. Escaping Markdown with
backslashes is not an answer: Teams' desktop, web and mobile renderers disagree about backslash escapes
(microsoft/AdaptiveCards#5590, MicrosoftDocs/msteams-docs#5793), and where one does not honour them the
link forms anyway. A TextRun, by the Adaptive Card schema, does not support Markdown at all. So every
text the bot sends — the core's sentences, names, profile fields, echoed queries, form titles and
errors — is made of TextRuns, and our own one piece of formatting (commands in `backticks`, shown bold)
becomes a bold run rather than `**…**`.

Pure functions over JSON, no SDK types.
"""

from __future__ import annotations

import re
from typing import Any

Json = dict[str, Any]
_CODE = re.compile(r"`([^`\n]+)`")
RUN_STYLES: dict[str, Json] = {"heading": {"size": "Medium", "weight": "Bolder"},
                               "muted": {"isSubtle": True, "size": "Small"},
                               "error": {"color": "Attention"}, "plain": {}}


def run(text: str, **style: Any) -> Json:
    return {"type": "TextRun", "text": text, **style}


def runs(text: str, style: Json | None = None) -> list[Json]:
    """`text` as runs in `style`, each `command` in backticks a bold run of its own (no backticks)."""
    style = style or {}
    out: list[Json] = []
    position = 0
    for match in _CODE.finditer(text):
        if match.start() > position:
            out.append(run(text[position:match.start()], **style))
        out.append(run(match.group(1), **{**style, "weight": "Bolder"}))
        position = match.end()
    if position < len(text) or not out:
        out.append(run(text[position:], **style))
    return out


def rich_text(text: str, style: str | Json = "plain", *, code: bool = True, **element: Any) -> Json:
    """One RichTextBlock. `style` names a reply style or gives TextRun properties; `code=False` keeps
    backticks as they are (for text that is not ours, such as a name); `element` adds block properties
    (spacing, separator)."""
    properties = RUN_STYLES.get(style, {}) if isinstance(style, str) else style
    inlines = runs(text, properties) if code else [run(text, **properties)]
    return {"type": "RichTextBlock", "inlines": inlines, **element}

