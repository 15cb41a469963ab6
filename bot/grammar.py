"""Reading a typed message as a command: `/leaders find …`, `find …`, `@Leaders find …` all mean the same.

Platforms hand us slightly different text (Slack strips `/leaders`, Teams keeps an @mention, a console user
may type either), so the grammar normalises first and only then looks up the command word. An unknown
word is answered with help and the closest real command, never with silence.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.commands import Command, all_words, lookup

_PREFIX = re.compile(r"^\s*(?:/?leaders\b[:,]?\s*)?", re.IGNORECASE)
# Every leading mention at once: one match, linear in the text (stripping one per pass and rebuilding the
# string each time was quadratic — 200,000 mentions took 9.5 s).
_MENTIONS = re.compile(r"(?:\s*(?:<at>[^<]*</at>|<@[A-Z0-9]+(?:\|[^>]*)?>))*\s*")


@dataclass(frozen=True)
class Parsed:
    command: Command | None
    args: str
    word: str = ""  # what the user typed where the command should be
    suggestion: str | None = None


def parse(text: str) -> Parsed:
    text = text.replace("\x00", " ").strip()
    text = text[_MENTIONS.match(text).end():]  # type: ignore[union-attr]  (matches the empty string)
    text = _PREFIX.sub("", text, count=1).strip()
    if not text:
        return Parsed(lookup("help"), "")
    word, _, args = text.partition(" ")
    word = word.rstrip(":,").lower()
    cmd = lookup(word)
    if cmd is not None:
        return Parsed(cmd, args.strip(), word)
    close = difflib.get_close_matches(word, all_words(), n=1, cutoff=0.6)
    suggestion = lookup(close[0]).name if close else None  # type: ignore[union-attr]
    return Parsed(None, text, word[:40], suggestion)


MAX_FORM_COMMAND = 500  # `/leaders me` and a mention or two; anything longer is not a bare form command


def expects_form(text: str) -> bool:
    """True if `text` is a command whose answer is a form (`me`): a platform whose forms are modals can
    open one at once, before the answer is ready, while its short-lived trigger is still valid. Adapters
    ask this on their event loop, before the engine's cap on chat text, so long text is not parsed here."""
    if len(text) > MAX_FORM_COMMAND:
        return False
    parsed = parse(text)
    return parsed.command is not None and parsed.command.opens_form and not parsed.args
