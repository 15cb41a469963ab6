"""Where a Teams answer goes: into the conversation, in place of the pressed card, or to the person alone.

- An answer others may read (`Reply.private` False) is posted in the conversation it was asked in.
- A private answer in a personal chat is posted there too; in a channel or group chat it goes to the
  person's 1:1 chat with the bot instead — Teams has no ephemeral messages, and this is what Slack's are —
  with a one-line pointer left in the conversation. The 1:1 chat is the stored one, or is opened through
  the turn's service URL (the bot is in that team or chat, so it may message its members); either way
  through the serviceUrl allow-list (service_urls.py), like every other send.
- A press answered with `replace` takes the card's place: the invoke's answer for `Action.Execute`
  (bot.py), `update_activity` of the pressed message for an older card's `Action.Submit`.
"""

from __future__ import annotations

import asyncio
import logging

from botbuilder.core import TurnContext

from adapters.teams.activities import reply_activity
from adapters.teams.sender import DeliveryError, TeamsSender
from adapters.teams.service_urls import ServiceUrlPolicy
from bot.replies import Reply, Text
from directory.accounts import ChatIdentity
from directory.conversations import ConversationRef, load_reference, save_reference
from directory.database import Database

log = logging.getLogger(__name__)
SENT_PRIVATELY = "I've sent you my answer in our private chat."
NOT_SENT_PRIVATELY = ("I couldn't reach you in a private chat, so I haven't answered here: this may be "
                      "personal. Message me directly — find Leaders Connect under Chat.")


def is_shared(turn_context: TurnContext) -> bool:
    """Anything but a 1:1 chat with the bot (a channel, a group chat) is read by others too."""
    conversation = turn_context.activity.conversation
    return conversation is not None and (conversation.conversation_type or "personal") != "personal"


class Answers:
    """Delivers the answers of one turn."""

    def __init__(self, turn_context: TurnContext, database: Database, app_id: str,
                 identity: ChatIdentity, service_urls: ServiceUrlPolicy) -> None:
        self.turn_context = turn_context
        self.database = database
        self.app_id = app_id
        self.identity = identity
        self.service_urls = service_urls

    async def post(self, reply: Reply) -> None:
        """Into this conversation: privately if it must be and others are here (see the module doc)."""
        if reply.private and is_shared(self.turn_context):
            sent = await self.privately(reply)
            pointer = SENT_PRIVATELY if sent else NOT_SENT_PRIVATELY
            reply = Reply((Text(pointer, "muted"),), private=False)
        await self.turn_context.send_activity(reply_activity(reply, recipient_id=self.identity.user_id))

    async def replace(self, activity_id: str, reply: Reply) -> None:
        """The pressed message (an `Action.Submit` card in a personal chat) becomes `reply`."""
        activity = reply_activity(reply, recipient_id=self.identity.user_id)
        activity.id = activity_id
        try:
            await self.turn_context.update_activity(activity)
        except Exception as error:  # gone or too old to edit: answer as a new message instead
            log.info("could not update the pressed Teams card (%s); answering below it", type(error).__name__)
            await self.turn_context.send_activity(reply_activity(reply, recipient_id=self.identity.user_id))

    async def privately(self, reply: Reply) -> bool:
        """Post `reply` in the person's 1:1 chat with the bot; False if that cannot be done now."""
        activity = self.turn_context.activity
        tenant, user = self.identity.workspace_id, self.identity.user_id
        if not (tenant and user and activity.service_url and activity.from_property):
            return False
        sender = TeamsSender(self.turn_context.adapter,  # type: ignore[arg-type]
                             self.app_id, self.service_urls)
        ref = await asyncio.to_thread(self._personal, tenant, user)
        try:
            if ref is not None:
                await sender.send(ref, reply)
                return True
            opened, _ = await sender.open_and_send(
                tenant, user, activity.service_url, reply, bot_id=activity.recipient.id or "",
                member_id=activity.from_property.id or user)
        except DeliveryError as error:
            log.warning("could not answer a Teams user privately (HTTP %s %s)", error.status, error.code)
            return False
        await asyncio.to_thread(self._save, ConversationRef(
            tenant, user, opened.conversation_id, "personal", opened.service_url, opened.bot_id,
            activity.from_property.id or "", opened.bot_name, "msteams"))
        return True

    def _personal(self, tenant: str, user: str) -> ConversationRef | None:
        with self.database.session(commit=False) as session:
            return load_reference(session, tenant, user)

    def _save(self, ref: ConversationRef) -> None:
        with self.database.session() as session:
            save_reference(session, ref)
