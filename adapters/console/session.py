"""A console conversation: the terminal REPL (`leaders chat`) and the transcript tests use it too.

It is the third implementation of the bot's platform interface (as zulip_bots' terminal and test
libraries are): same engine, same replies, rendered as text.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.console.render import back_of, buttons_of, render
from bot.engine import Bot
from bot.replies import Reply
from directory.accounts import ChatIdentity
from directory.ids import parse_id


def console_identity(email: str) -> ChatIdentity:
    """The console acts as the leader whose email is given: its user already has the database."""
    return ChatIdentity("console", "local", email.strip().lower(), email=email.strip())


class ConsoleConversation:
    """One person talking to the bot; remembers the last reply so its buttons can be pressed.

    After a profile opened from search results (it has `[0] Back to results`), the results' numbers
    still press the results, as on a platform where the results message stays on screen above the
    profile; the profile's own buttons are numbered after them.
    """

    def __init__(self, bot: Bot, email: str) -> None:
        self.bot = bot
        self.identity = console_identity(email)
        self.last: Reply | None = None
        self.results: Reply | None = None  # the last reply whose buttons a number can still press
        self.offset = 0  # how many numbers the results take before the last reply's own buttons
        self.transcript: list[str] = []

    def say(self, text: str) -> str:
        """Send typed text; a bare number presses that button of the previous reply (0: back)."""
        stripped = text.strip()
        if stripped == "0" and self.last is not None and (back := back_of(self.last)) is not None:
            return self._record(f"[{back.label}]", self.bot.handle_action(self.identity, back.action))
        pressed = parse_id(stripped)
        if pressed is not None and self.last is not None:
            numbered = [*(buttons_of(self.results) if self.offset and self.results else []),
                        *buttons_of(self.last)]
            index = pressed - 1
            if 0 <= index < len(numbered):
                return self._record(f"[{numbered[index].label}]",
                                    self.bot.handle_action(self.identity, numbered[index].action))
        return self._record(text, self.bot.handle_text(self.identity, text))

    def press(self, label: str, occurrence: int = 1) -> str:
        """Press the n-th button with this label in the last reply (as a person clicking it would)."""
        matches = [b for b in buttons_of(self.last or Reply()) if b.label == label]
        if len(matches) < occurrence:
            raise LookupError(f"no button {label!r} (#{occurrence}) in the last reply")
        pressed = matches[occurrence - 1]
        return self._record(f"[{label}]", self.bot.handle_action(self.identity, pressed.action))

    def _record(self, said: str, reply: Reply) -> str:
        self.last = reply
        if back_of(reply) is not None and self.results is not None:
            self.offset = len(buttons_of(self.results))
        else:
            self.offset = 0
            if buttons_of(reply):
                self.results = reply
        shown = render(reply, self.offset + 1)
        self.transcript += [f"> {said}", shown]
        return shown


def run_repl(conversation: ConsoleConversation, read: Callable[[str], str] = input,
             write: Callable[[str], None] = print) -> None:
    """Read–reply loop until EOF, `quit` or `exit`."""
    write("Leaders Connect console — type `help`, a number to press a button, `quit` to leave.")
    while True:
        try:
            line = read("you> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.strip().lower() in {"quit", "exit", ":q"}:
            return
        if line.strip():
            write(conversation.say(line))
