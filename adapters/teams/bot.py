"""The Teams activity handler: SDK glue only — every decision is the core's.

Typed messages (personal chat, or @mentions in channels and group chats, whose `<at>` tag the grammar
strips) go to `Bot.handle_text`; button presses (`Action.Submit`, `Action.Execute`) to
`Bot.handle_action`, and a submitted form (an `Action.Submit` whose action is a form's) to
`Bot.handle_submit` with its inputs; the messaging extension's search runs `find` through the same
engine, so privacy rules and account linking are exactly those of every other platform. The core is
synchronous SQLAlchemy, so it runs in a worker thread.

Every turn first passes the tenant gate (`on_turn`): an activity from a tenant not in
LEADERS_ALLOWED_TENANTS — a message, a button, a search, an installation — gets one polite sentence and
touches nothing: no member lookup, no link, no stored conversation reference.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    Attachment,
    ChannelAccount,
    InvokeResponse,
)
from botbuilder.schema.teams import (
    MessagingExtensionAttachment,
    MessagingExtensionQuery,
    MessagingExtensionResponse,
    MessagingExtensionResult,
)

from adapters.teams.extension import extension_result
from adapters.teams.forms import submitted_values
from adapters.teams.identity import base_identity, identify, remember
from adapters.teams.payloads import executed_action, search_text, submitted_action
from adapters.teams.render import CARD_CONTENT_TYPE, render_card
from bot.actions import is_submission
from bot.engine import Bot
from bot.replies import Reply, Text
from bot.usecases.help import not_admitted_reply
from directory.database import Database

log = logging.getLogger(__name__)
SEARCH_COMMAND = "searchPeople"


def reply_activity(reply: Reply):  # type: ignore[no-untyped-def]
    """A message activity carrying the reply as one Adaptive Card; `summary` feeds notifications."""
    card = Attachment(content_type=CARD_CONTENT_TYPE, content=render_card(reply))
    activity = MessageFactory.attachment(card)
    activity.summary = reply.summary
    return activity


def is_shared(activity: Activity) -> bool:
    """Anything but a 1:1 chat with the bot (a channel, a group chat) is read by others too."""
    conversation = activity.conversation
    return conversation is not None and (conversation.conversation_type or "personal") != "personal"


class LeadersTeamsBot(TeamsActivityHandler):
    def __init__(self, core: Bot, database: Database, turn_threads: Executor | None = None) -> None:
        self.core = core
        self.database = database
        self.turn_threads = turn_threads  # the process's few turn threads (adapters/bootstrap.turn_pool)
        self.allowed_tenants = core.settings.allowed_tenant_set
        self.tenant_domains = core.settings.tenant_domain_map

    async def on_turn(self, turn_context: TurnContext) -> None:
        """The tenant gate, in front of every handler the SDK would dispatch to."""
        tenant = base_identity(turn_context.activity).workspace_id.lower()
        if tenant and tenant in self.allowed_tenants:
            await super().on_turn(turn_context)
            return
        log.info("Teams %.40r activity from a tenant not in LEADERS_ALLOWED_TENANTS: refused",
                 turn_context.activity.type)
        await refuse(turn_context)

    async def _turn(self, call: Callable[..., Reply], *args: Any) -> Reply:
        """Run one engine call off the event loop, on the turn threads (the default pool if none)."""
        return await asyncio.get_running_loop().run_in_executor(self.turn_threads, partial(call, *args))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        identity = await identify(turn_context, self.database, self.tenant_domains)
        shared = is_shared(activity)
        action = submitted_action(activity.value)
        if action is not None and is_submission(action):
            reply = await self._turn(partial(self.core.handle_submit, shared=shared), identity, action,
                                            submitted_values(activity.value))
        elif action is not None:
            reply = await self._turn(partial(self.core.handle_action, shared=shared), identity, action)
        elif activity.text:
            reply = await self._turn(partial(self.core.handle_text, shared=shared), identity,
                                            activity.text)
        else:  # a card submit that is not ours, or an attachment with no words
            reply = await self._turn(self.core.handle_text, identity, "help")
        await turn_context.send_activity(reply_activity(reply))
        await remember(self.database, activity, identity)

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContext) -> None:
        """The bot was installed (personal, team or group chat): greet and keep the conversation."""
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if not any(member.id == bot_id for member in members_added):
            return
        identity = await identify(turn_context, self.database, self.tenant_domains)
        reply = await self._turn(self.core.handle_text, identity, "help")
        greeting = Text("Hello! I'm Leaders Connect. Message me `find <words>` to look someone up.",
                        "heading")
        await turn_context.send_activity(reply_activity(Reply((greeting, *reply.blocks[1:]))))
        await remember(self.database, turn_context.activity, identity, linked_only=False)

    async def on_adaptive_card_invoke(self, turn_context: TurnContext,
                                      invoke_value: AdaptiveCardInvokeValue) -> AdaptiveCardInvokeResponse:
        """`Action.Execute`: answer with the reply's card, which replaces the pressed card for this user."""
        identity = await identify(turn_context, self.database, self.tenant_domains)
        action = executed_action(turn_context.activity.value)
        if action is None:
            reply = Reply((Text("That button has expired. Please try the command again.", "error"),))
        else:
            reply = await self._turn(partial(self.core.handle_action, shared=is_shared(
                turn_context.activity)), identity, action)
        await remember(self.database, turn_context.activity, identity)
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=render_card(reply))

    async def on_teams_messaging_extension_query(
            self, turn_context: TurnContext, query: MessagingExtensionQuery) -> MessagingExtensionResponse:
        identity = await identify(turn_context, self.database, self.tenant_domains)
        words = search_text(turn_context.activity.value)
        if query.command_id != SEARCH_COMMAND:
            body = {"type": "message", "text": "This search is not supported."}
        elif not words:
            body = {"type": "message", "text": "Type a name, role, organisation or expertise to search."}
        else:
            # A picked result is inserted into a conversation others read: render for them, not the searcher.
            body = extension_result(await self._turn(partial(self.core.handle_text, shared=True),
                                                            identity, "find " + words))
        return MessagingExtensionResponse(compose_extension=_to_result(body))


async def refuse(turn_context: TurnContext) -> None:
    """One sentence, in whatever form this kind of activity is answered; nothing else happens."""
    activity, reply = turn_context.activity, not_admitted_reply()
    installed = activity.type == ActivityTypes.conversation_update and _bot_added(activity)
    if activity.type == ActivityTypes.message or installed:
        await turn_context.send_activity(reply_activity(reply))
    elif activity.type == ActivityTypes.invoke and activity.name == "adaptiveCard/action":
        card = AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=render_card(reply))
        await _invoke_response(turn_context, card.serialize())
    elif activity.type == ActivityTypes.invoke and activity.name == "composeExtension/query":
        result = MessagingExtensionResponse(compose_extension=_to_result(
            {"type": "message", "text": reply.summary}))
        await _invoke_response(turn_context, result.serialize())


def _bot_added(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(member.id == bot_id for member in activity.members_added or [])


async def _invoke_response(turn_context: TurnContext, body: dict) -> None:
    """The adapter keeps an `invokeResponse` activity as the HTTP answer instead of sending it."""
    await turn_context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                              value=InvokeResponse(status=200, body=body)))


def _to_result(body: dict) -> MessagingExtensionResult:
    attachments = [MessagingExtensionAttachment(
        content_type=item["contentType"], content=item["content"],
        preview=Attachment(content_type=item["preview"]["contentType"], content=item["preview"]["content"]))
        for item in body.get("attachments", [])]
    return MessagingExtensionResult(type=body["type"], attachment_layout=body.get("attachmentLayout"),
                                    attachments=attachments or None, text=body.get("text"))
