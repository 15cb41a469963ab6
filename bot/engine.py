"""The bot's front door: one turn in (typed text, a pressed button, a form), one neutral reply out.

Adapters call `Bot.handle_text` / `Bot.handle_action` / `Bot.handle_submit` (a form) with the platform's
identity for the person; the engine links them to a verified leader (or not), runs the use case in one
unit of work, and returns a Reply. Nothing here knows which platform is talking.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

import bot.usecases  # noqa: F401  (registers commands and actions)
from bot.actions import clean_values, decode, decode_submission, split_revision
from bot.commands import Context
from bot.grammar import parse
from bot.replies import Reply, Text
from bot.usecases.help import help_reply, unlinked_reply
from directory import links
from directory.accounts import WEB, ChatIdentity, is_revoked, resolve
from directory.database import Database
from directory.models import Leader
from directory.settings import Settings
from directory.staff import is_staff

log = logging.getLogger(__name__)
T = TypeVar("T")
# The longest message read as a command: `me set bio …` with a full 4,000-character bio fits; anything
# longer is refused before it is parsed, so hostile text costs nothing but its length check.
MAX_TEXT_LENGTH = 6_000


class Bot:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    def handle_text(self, identity: ChatIdentity, text: str, *, shared: bool = False) -> Reply:
        """`shared`: the conversation is read by others too (see Context.shared). The answer is then
        rendered for them and marked `private=False` — except a command about the person's own data,
        which is answered for them alone (`private=True`): adapters deliver that privately (Slack
        ephemeral, Teams the 1:1 chat)."""
        if len(text) > MAX_TEXT_LENGTH:
            return Reply((Text(f"That message is too long for me to read ({len(text):,} characters; the most "
                               f"is {MAX_TEXT_LENGTH:,}). Nothing was done. Type `help` to see what I "
                               "understand.", "error"),))
        reply, personal = self._text(identity, text, shared)
        if shared:
            return dataclasses.replace(reply, private=personal)
        return reply

    def _text(self, identity: ChatIdentity, text: str, shared: bool) -> tuple[Reply, bool]:
        """The answer, and whether it is about the person's own data (answered for them alone)."""
        parsed = parse(text)
        with self.database.session() as session:
            leader = resolve(session, identity)
            if leader is None:
                if parsed.command is not None and parsed.command.name == "help":
                    return help_reply(is_staff=False, topic=parsed.args), False
                return self._unlinked(session, identity, offer_signin=not shared), False
            ctx = self._context(session, identity, leader, shared)
            if parsed.command is None:
                hint = f" Did you mean `{parsed.suggestion}`?" if parsed.suggestion else ""
                unknown = Text(f"I don't know the command “{parsed.word}”.{hint}", "error")
                return Reply((unknown, *help_reply(ctx.is_staff).blocks)), False
            cmd = parsed.command
            if cmd.staff_only and not ctx.is_staff:
                refusal = Text(f"`{cmd.name}` is for the Leaders Connect staff team only.", "error")
                return Reply((refusal,)), False
            if cmd.handler is None:
                return Reply((Text(f"`{cmd.name}` — {cmd.summary.lower()} — is not available yet. "
                                   "Type `help` for what you can do today.", "muted"),)), False
            log.debug("command %s on %s", cmd.name, identity.platform)  # never the words typed
            if cmd.private_only and shared:  # for the person alone, as if they had asked in a 1:1 chat
                return cmd.handler(self._context(session, identity, leader, False), parsed.args), True
            return cmd.handler(ctx, parsed.args), False

    def handle_action(self, identity: ChatIdentity, action_id: str, *, shared: bool = False,
                      refresh: bool = False) -> Reply:
        """A pressed button. `refresh`: not a press but a platform redrawing a live card as it is shown
        (Teams' automatic refresh) — the same action, but nothing is created for an unlinked viewer
        (no one-time sign-in link for every card they glance at)."""
        base, revision = split_revision(action_id)
        handler, args = decode(base)
        run = None if handler is None else lambda ctx: handler(ctx, args)
        return self._pressed(identity, action_id, run, "That button has expired.", shared, revision,
                             offer_signin=not (shared or refresh))

    def handle_submit(self, identity: ChatIdentity, action_id: str, values: dict[str, str], *,
                      shared: bool = False) -> Reply:
        """A submitted form: `values` maps each input's name to what the person entered or chose."""
        base, revision = split_revision(action_id)
        handler, args = decode_submission(base)
        run = None if handler is None else lambda ctx: handler(ctx, args, clean_values(values))
        return self._pressed(identity, action_id, run, "That form has expired.", shared, revision)

    def _pressed(self, identity: ChatIdentity, action_id: str, run: Callable[[Context], Reply] | None,
                 expired: str, shared: bool, revision: int | None = None, *,
                 offer_signin: bool | None = None) -> Reply:
        """A button or form: linked leaders only, and an id we no longer know is answered, not raised."""
        with self.database.session() as session:
            leader = resolve(session, identity)
            if leader is None:
                return self._unlinked(session, identity,
                                      offer_signin=not shared if offer_signin is None else offer_signin)
            if run is None:
                log.info("unknown action or form: %r", action_id[:60])  # repr: text from the person
                return Reply((Text(f"{expired} Please try the command again.", "error"),))
            ctx = self._context(session, identity, leader, shared)
            ctx.revision = revision
            return run(ctx)

    # --- the website: a signed-in leader, known by id (adapters/web); no chat account in between ---------

    def as_leader(self, leader_id: int, run: Callable[[Context], T]) -> T | None:
        """`run` with the Context of the leader signed in on the website, in one unit of work; None when
        that leader is gone or has left (their web session is worth nothing any more).

        The identity is `web_identity(leader_id)`: no chat account answers to it, so a use case that
        looks up "the account this turn came from" finds none and treats the turn as the leader's own.
        """
        with self.database.session() as session:
            leader = session.get(Leader, leader_id)
            if leader is None or leader.left_at is not None:
                return None
            return run(self._context(session, web_identity(leader_id), leader, False))

    def handle_web_action(self, leader_id: int, action_id: str) -> Reply | None:
        """A button pressed on a web page: the same neutral action, handler and state rules as a chat
        press (a stale revision answers and changes nothing; of two presses at once one wins)."""
        base, revision = split_revision(action_id)
        handler, args = decode(base)
        return self._web(leader_id, action_id, revision, None if handler is None else
                         lambda ctx: handler(ctx, args), "That button has expired.")

    def handle_web_submit(self, leader_id: int, action_id: str, values: dict[str, str]) -> Reply | None:
        """A form submitted on a web page, through the same submission handler as a chat form."""
        base, revision = split_revision(action_id)
        handler, args = decode_submission(base)
        return self._web(leader_id, action_id, revision, None if handler is None else
                         lambda ctx: handler(ctx, args, clean_values(values)), "That form has expired.")

    def _web(self, leader_id: int, action_id: str, revision: int | None,
             run: Callable[[Context], Reply] | None, expired: str) -> Reply | None:
        if run is None:
            log.info("unknown web action or form: %r", action_id[:60])
            return Reply((Text(f"{expired} Please reload the page and try again.", "error"),))
        found = run

        def pressed(ctx: Context) -> Reply:
            ctx.revision = revision
            return found(ctx)
        return self.as_leader(leader_id, pressed)

    def _context(self, session: Session, identity: ChatIdentity, leader: Leader, shared: bool) -> Context:
        return Context(session, self.settings, identity, leader,
                       is_staff(session, leader, self.settings.staff_email_set), shared)

    def _unlinked(self, session: Session, identity: ChatIdentity, offer_signin: bool) -> Reply:
        """How to get in; with a one-time Sign in with Microsoft link when that is configured (and the
        reply is private: a link is bound to one person)."""
        url = ""
        if self.settings.signin_configured and offer_signin:
            token = links.create(session, "signin", identity)
            url = f"{self.settings.base_url}/auth/microsoft/start?token={token}"
        return unlinked_reply(url, revoked=is_revoked(session, identity),
                              support=self.settings.support_contact)


def web_identity(leader_id: int) -> ChatIdentity:
    """Who a website visit is, in the engine's terms: the leader's id on the `web` platform."""
    return ChatIdentity(WEB, "", str(leader_id))
