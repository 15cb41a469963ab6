"""Teams' side of delivery: post one outbox message into a leader's 1:1 chat with the bot, or update one.

The conversation comes from the references the Teams adapter saves on every turn
(directory/conversations.py). Without one for this user, a 1:1 chat is opened in their tenant through a
service URL the tenant already used (possible once the app is installed for them) and its reference is
saved for next time. Either way the row keeps the conversation id and the new message's activity id, and
an update of the card later is an `update_activity` of exactly that message (for everyone in the chat).

Bot Connector refusals (`DeliveryError`) become `SendFailure`s: 429 pauses the lane for `Retry-After`;
412 and 5xx back off; a blocked bot, a vanished user or conversation, or a message too big for Teams
(413 `MessageSizeTooBig` — the renderer keeps cards far below it) fails at once, and so does a message
(or an update) to a tenant no longer in LEADERS_ALLOWED_TENANTS or through a service URL off the
allow-list.
"""

from __future__ import annotations

import asyncio

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from sqlalchemy import select

from adapters.teams.config import BotFrameworkEndpoints, sdk_configuration
from adapters.teams.sender import NOT_ALLOWED, DeliveryError, TeamsSender
from adapters.teams.service_urls import service_url_policy
from directory.conversations import ConversationRef, TeamsConversation, load_reference, save_reference
from directory.database import Database
from directory.settings import Settings
from scheduler.retry_policy import SendFailure
from scheduler.senders import Envelope, Sent

RETRYABLE = frozenset({408, 412, 500, 502, 503, 504})
PERMANENT_CODES = frozenset({"MessageWritesBlocked", "ConversationBlockedByUser", "BotDisabledByAdmin",
                             "ConversationNotFound", "NotFound", "MemberNotFoundInConversation",
                             "MessageSizeTooBig", "ActivityNotFound"})


def failure_from(error: DeliveryError) -> SendFailure:
    status, code = error.status, error.code
    label = f"HTTP {status}" + (f" {code}" if code else "")
    if code == NOT_ALLOWED:
        return SendFailure("permanent", "Teams: the service URL is not an allowed Bot Connector host")
    if status == 429:
        return SendFailure("throttled", f"Teams rate limit ({label})", error.retry_after)
    if code in PERMANENT_CODES:
        return SendFailure("permanent", f"Teams refused: {label}")
    if status is None or status in RETRYABLE or status >= 500:
        return SendFailure("retry", f"Teams unavailable ({label if status else 'no answer'})")
    if status in (400, 403, 404, 413):
        return SendFailure("permanent", f"Teams refused: {label}")
    return SendFailure("retry", f"Teams error ({label})")


def build_teams_sender(settings: Settings, endpoints: BotFrameworkEndpoints | None) -> TeamsSender:
    authentication = ConfigurationBotFrameworkAuthentication(sdk_configuration(settings, endpoints))
    return TeamsSender(CloudAdapter(authentication), settings.microsoft_app_id, service_url_policy(settings))


class TeamsDeliverySender:
    def __init__(self, sender: TeamsSender, database: Database, allowed_tenants: frozenset[str]) -> None:
        self.sender = sender
        self.database = database
        self.allowed_tenants = allowed_tenants

    async def send(self, envelope: Envelope) -> Sent:
        if envelope.workspace_id.lower() not in self.allowed_tenants:
            raise SendFailure("permanent", "Teams: this tenant is not in LEADERS_ALLOWED_TENANTS")
        if envelope.target is not None:
            return await self._update(envelope)
        ref, service_url = await asyncio.to_thread(self._where, envelope)
        try:
            if ref is not None:
                return Sent(ref.conversation_id, await self.sender.send(ref, envelope.reply))
            if not service_url:
                raise SendFailure("permanent", "Teams: no conversation with this user yet (the app must be "
                                  "installed for them, or they must message the bot once)")
            opened, activity_id = await self.sender.open_and_send(envelope.workspace_id, envelope.user_id,
                                                                  service_url, envelope.reply)
        except DeliveryError as error:
            raise failure_from(error) from None
        await asyncio.to_thread(self._save, opened)
        return Sent(opened.conversation_id, activity_id)

    async def _update(self, envelope: Envelope) -> Sent:
        """`update_activity` of the card where it was posted (its conversation and activity id)."""
        target = envelope.target
        assert target is not None
        if not target.message_id:
            raise SendFailure("permanent", "Teams: the card was sent before messages were addressable")
        ref = await asyncio.to_thread(self._conversation, envelope, target.conversation)
        if ref is None:
            raise SendFailure("permanent", "Teams: the conversation of this card is no longer known")
        try:
            activity_id = await self.sender.update(ref, target.message_id, envelope.reply)
        except DeliveryError as error:
            raise failure_from(error) from None
        return Sent(ref.conversation_id, activity_id)

    def _conversation(self, envelope: Envelope, conversation_id: str) -> ConversationRef | None:
        """The stored reference of the conversation the card is in: the user's 1:1 chat, usually (and
        for rows sent before the conversation was recorded, the 1:1 chat they were sent to)."""
        with self.database.session(commit=False) as session:
            if not conversation_id:
                return load_reference(session, envelope.workspace_id, envelope.user_id)
            row = session.scalar(select(TeamsConversation).where(
                TeamsConversation.tenant_id == envelope.workspace_id,
                TeamsConversation.conversation_id == conversation_id)
                .order_by(TeamsConversation.updated_at.desc()).limit(1))
            if row is None:
                return None
            return ConversationRef(row.tenant_id, envelope.user_id, row.conversation_id,
                                   row.conversation_type, row.service_url, row.bot_id, row.user_channel_id,
                                   row.bot_name, row.channel_id)

    def _where(self, envelope: Envelope) -> tuple[ConversationRef | None, str]:
        with self.database.session() as session:
            ref = load_reference(session, envelope.workspace_id, envelope.user_id)
            if envelope.conversation and (ref is None or ref.conversation_id != envelope.conversation):
                row = session.scalar(select(TeamsConversation).where(
                    TeamsConversation.tenant_id == envelope.workspace_id,
                    TeamsConversation.conversation_id == envelope.conversation).limit(1))
                ref = None if row is None else load_reference(session, row.tenant_id, row.user_id,
                                                              row.conversation_type)
            if ref is not None:
                return ref, ref.service_url
            service_url = session.scalar(select(TeamsConversation.service_url).where(
                TeamsConversation.tenant_id == envelope.workspace_id)
                .order_by(TeamsConversation.updated_at.desc()).limit(1))
            return None, service_url or ""

    def _save(self, ref: ConversationRef) -> None:
        with self.database.session() as session:
            save_reference(session, ref)
