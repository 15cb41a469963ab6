"""Who is talking, and where we can reach them again — the SDK's activity mapped to core types.

The AAD object id and tenant id come with every activity; the email does not. It is fetched once, with
`TeamsInfo.get_member` (the Bot Connector's member lookup), and only while the account is not linked
yet, so a linked leader's turn costs no extra round trip. The lookup reports what the user's tenant
says, so its email or UPN counts only when its domain is one that tenant owns (`LEADERS_TENANT_DOMAINS`,
directory/vouching.py); for a tenant that owns no domain we do not even ask.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from adapters.teams.payloads import tenant_of
from directory.accounts import ChatIdentity, linked_leader
from directory.conversations import ConversationRef, save_reference
from directory.database import Database
from directory.vouching import vouched_address

log = logging.getLogger(__name__)


def base_identity(activity: Activity) -> ChatIdentity:
    sender = activity.from_property
    user_id = (sender.aad_object_id or sender.id or "") if sender else ""
    tenant = tenant_of({"conversation": {"tenantId": activity.conversation.tenant_id if activity.conversation
                                         else None},
                        "channelData": activity.channel_data})
    return ChatIdentity("teams", tenant, user_id, display_name=(sender.name or "") if sender else "")


def _is_linked(database: Database, identity: ChatIdentity) -> bool:
    with database.session(commit=False) as session:
        return linked_leader(session, identity) is not None


async def member_email(turn_context: TurnContext, tenant: str,
                       tenant_domains: Mapping[str, frozenset[str]]) -> str | None:
    """The sender's email (else UPN) when its domain is one the tenant owns; None otherwise or on failure."""
    try:
        member = await TeamsInfo.get_member(turn_context, turn_context.activity.from_property.id)
    except Exception as error:  # a lookup failure must not break the turn: the user stays unlinked
        log.warning("Teams member lookup failed: %s", type(error).__name__)
        return None
    return vouched_address(tenant_domains, tenant, (member.email, member.user_principal_name))


async def identify(turn_context: TurnContext, database: Database,
                   tenant_domains: Mapping[str, frozenset[str]]) -> ChatIdentity:
    identity = base_identity(turn_context.activity)
    if not identity.workspace_id or not identity.user_id:
        return identity
    if await asyncio.to_thread(_is_linked, database, identity):
        return identity
    if not tenant_domains.get(identity.workspace_id.lower()):
        return identity  # nothing this tenant says could link anyone; the object id still may (resolve)
    email = await member_email(turn_context, identity.workspace_id, tenant_domains)
    return ChatIdentity(identity.platform, identity.workspace_id, identity.user_id, email,
                        identity.display_name)


def reference_of(activity: Activity, identity: ChatIdentity) -> ConversationRef | None:
    conversation, bot = activity.conversation, activity.recipient
    if not (identity.workspace_id and identity.user_id and conversation and conversation.id and bot
            and activity.service_url):
        return None
    return ConversationRef(identity.workspace_id, identity.user_id, conversation.id,
                           conversation.conversation_type or "personal", activity.service_url, bot.id or "",
                           activity.from_property.id or "", bot.name or "", activity.channel_id or "msteams")


def _save(database: Database, ref: ConversationRef, linked_only: bool) -> None:
    with database.session() as session:
        if linked_only and linked_leader(session, ChatIdentity("teams", ref.tenant_id, ref.user_id)) is None:
            return
        save_reference(session, ref)


async def remember(database: Database, activity: Activity, identity: ChatIdentity, *,
                   linked_only: bool = True) -> None:
    """Store where this user can be reached proactively (for linked accounts, unless told otherwise)."""
    ref = reference_of(activity, identity)
    if ref is not None:
        await asyncio.to_thread(_save, database, ref, linked_only)
