"""Teams' side of delivery: post one outbox message into a leader's 1:1 chat with the bot.

The conversation comes from the references the Teams adapter saves on every turn
(directory/conversations.py). Without one for this user, a 1:1 chat is opened in their tenant through a
service URL the tenant already used (possible once the app is installed for them) and its reference is
saved for next time. Bot Connector refusals (`DeliveryError`) become `SendFailure`s: 429 pauses the lane
for `Retry-After`; 412 and 5xx back off; a blocked bot or a vanished user or conversation fails at once,
and so does a message to a tenant no longer in LEADERS_ALLOWED_TENANTS or through a service URL off the
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
from scheduler.senders import Envelope

RETRYABLE = frozenset({408, 412, 500, 502, 503, 504})
PERMANENT_CODES = frozenset({"MessageWritesBlocked", "ConversationBlockedByUser", "BotDisabledByAdmin",
                             "ConversationNotFound", "NotFound", "MemberNotFoundInConversation"})


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
    if status in (400, 403, 404):
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

    async def send(self, envelope: Envelope) -> str:
        if envelope.workspace_id.lower() not in self.allowed_tenants:
            raise SendFailure("permanent", "Teams: this tenant is not in LEADERS_ALLOWED_TENANTS")
        ref, service_url = await asyncio.to_thread(self._where, envelope)
        try:
            if ref is not None:
                return await self.sender.send(ref, envelope.reply)
            if not service_url:
                raise SendFailure("permanent", "Teams: no conversation with this user yet (the app must be "
                                  "installed for them, or they must message the bot once)")
            opened = await self.sender.open_and_send(envelope.workspace_id, envelope.user_id, service_url,
                                                     envelope.reply)
        except DeliveryError as error:
            raise failure_from(error) from None
        await asyncio.to_thread(self._save, opened)
        return opened.conversation_id

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
