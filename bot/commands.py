"""The command registry: each `/leaders` sub-command is declared once and served on every platform.

A use case module decorates its handler with `@command(...)`; the grammar (grammar.py) and help
(usecases/help.py) read the same registry, so the help text can never drift from what is understood.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.replies import Reply
from directory.accounts import ChatIdentity
from directory.models import Leader
from directory.privacy import Viewer
from directory.settings import Settings


@dataclass
class Context:
    """Everything a use case needs for one turn: a unit of work and who is asking."""

    session: Session
    settings: Settings
    identity: ChatIdentity
    leader: Leader
    is_staff: bool
    # The reply will be seen by others too (a Teams channel or group chat, a messaging-extension card
    # inserted into a conversation): show only what every verified leader may see.
    shared: bool = False
    # The revision of the state the pressed card was drawn from (`name:args~N`), or None: typed text, or a
    # button that carries none. Compare it with the state's current revision: bot/live.py.
    revision: int | None = None
    # Who the leader has an accepted introduction with: they see those people's `introduced` fields.
    _introduced_to: frozenset[int] | None = field(default=None, repr=False)

    @property
    def viewer(self) -> Viewer:
        if self.shared:
            return Viewer(0)  # nobody in particular: `everyone` fields only, even of yourself
        if self._introduced_to is None:  # looked up once per turn, and only by a use case that shows people
            from directory.introductions import accepted_with

            self._introduced_to = accepted_with(self.session, self.leader.id)
        return Viewer(self.leader.id, self.is_staff, self._introduced_to)


Handler = Callable[[Context, str], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    usage: str
    handler: Handler | None  # None: part of the interface, not built yet — says so instead of guessing
    staff_only: bool = False
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    # Shows or changes personal data: in a shared conversation it is answered for the person alone, as a
    # private reply their adapter delivers privately (Slack ephemeral, Teams their 1:1 chat).
    private_only: bool = False
    opens_form: bool = False  # typed bare, the answer is a form: Slack opens a modal at once (loading)


REGISTRY: dict[str, Command] = {}
_ALIASES: dict[str, str] = {}


def register(cmd: Command) -> Command:
    REGISTRY[cmd.name] = cmd
    for alias in cmd.aliases:
        _ALIASES[alias] = cmd.name
    return cmd


def command(name: str, summary: str, usage: str, *, staff_only: bool = False,
            aliases: tuple[str, ...] = (), examples: tuple[str, ...] = (),
            private_only: bool = False, opens_form: bool = False) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        register(Command(name, summary, usage, handler, staff_only, aliases, examples, private_only,
                         opens_form))
        return handler
    return decorate


def lookup(word: str) -> Command | None:
    word = word.lower()
    return REGISTRY.get(word) or REGISTRY.get(_ALIASES.get(word, ""))


def all_words() -> list[str]:
    return [*REGISTRY, *_ALIASES]


# Commands DESIGN.md promises whose capability lands with a later issue. They are understood (so the
# grammar does not call them unknown) and answer honestly that they are not available yet.
for _name, _summary, _usage, _staff in (
):
    register(Command(_name, _summary, _usage, None, staff_only=_staff))
