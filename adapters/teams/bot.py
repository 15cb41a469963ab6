"""The Teams activity handler: SDK glue only — every decision is the core's.

Typed messages (personal chat, or @mentions in channels and group chats, whose `<at>` tag the grammar
strips) go to `Bot.handle_text`. Buttons are Universal Actions: an `Action.Execute` press arrives as an
`adaptiveCard/action` invoke and goes to `Bot.handle_action` — or `Bot.handle_submit` with the inputs,
for a form's Save — and the invoke is answered with the card that takes the pressed one's place when the
use case says `replace` (or with the viewer's own card, when Teams asks a live card to `refresh`);
otherwise the answer arrives as a new message and the invoke with a one-line note. Presses are answered to
the person alone: in a channel, an invoke's card replaces theirs only, and a new message goes to their
1:1 chat (answers.py). Older cards' `Action.Submit` presses arrive as messages and decode the same way.
The messaging extension's search runs `find` through the same engine, so privacy rules and account
linking are exactly those of every other platform. The core is synchronous SQLAlchemy, so it runs on the
turn threads.

Every turn first passes the tenant gate (`on_turn`): an activity from a tenant not in
LEADERS_ALLOWED_TENANTS — a message, a button, a refresh, a search, an installation — gets one polite
sentence and touches nothing: no member lookup, no link, no stored conversation reference.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any, ClassVar

from botbuilder.core import TurnContext
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

from adapters.teams.activities import reply_activity
from adapters.teams.answers import SENT_PRIVATELY, Answers, is_shared
from adapters.teams.extension import extension_result
from adapters.teams.forms import submitted_values
from adapters.teams.identity import base_identity, identify, remember
from adapters.teams.payloads import executed_action, executed_data, search_text, submitted_action
from adapters.teams.render import CARD_CONTENT_TYPE, render_card
from adapters.teams.service_urls import service_url_policy
from bot.actions import is_submission
from bot.engine import Bot
from bot.replies import Reply, Text
from bot.usecases.help import not_admitted_reply
from directory.accounts import ChatIdentity
from directory.database import Database

__all__ = ["LeadersTeamsBot", "is_shared", "reply_activity"]
log = logging.getLogger(__name__)
SEARCH_COMMAND = "searchPeople"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
ANSWERED_BELOW = "Done — my answer is below."
EXPIRED = Reply((Text("That button has expired. Please try the command again.", "error"),), replace=True)


class MessageAnswer(AdaptiveCardInvokeResponse):
    """An `adaptiveCard/action` answer that leaves the card as it is and shows a line of text (the SDK's
    model types `value` as an object, so a text value needs its own map to serialise)."""

    _attribute_map: ClassVar[dict[str, dict[str, str]]] = {
        **AdaptiveCardInvokeResponse._attribute_map, "value": {"key": "value", "type": "str"}}


class LeadersTeamsBot(TeamsActivityHandler):
    def __init__(self, core: Bot, database: Database, turn_threads: Executor | None = None) -> None:
        self.core = core
        self.database = database
        self.turn_threads = turn_threads  # the process's few turn threads (adapters/bootstrap.turn_pool)
        self.allowed_tenants = core.settings.allowed_tenant_set
        self.tenant_domains = core.settings.tenant_domain_map
        self.service_urls = service_url_policy(core.settings)

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

    def _answers(self, turn_context: TurnContext, identity: ChatIdentity) -> Answers:
        return Answers(turn_context, self.database, self.core.settings.microsoft_app_id, identity,
                       self.service_urls)

    async def _pressed(self, identity: ChatIdentity, action: str, data: Any, refresh: bool = False) -> Reply:
        """A button or a form's Save, answered for the person who pressed it (never for an audience:
        the answer reaches them alone). `refresh`: Teams redrawing a live card for its viewer."""
        if is_submission(action):
            return await self._turn(self.core.handle_submit, identity, action, submitted_values(data))
        return await self._turn(partial(self.core.handle_action, refresh=refresh), identity, action)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        identity = await identify(turn_context, self.database, self.tenant_domains)
        answers = self._answers(turn_context, identity)
        action = submitted_action(activity.value)
        if action is not None:  # an older card's Action.Submit
            reply = await self._pressed(identity, action, activity.value)
            if reply.replace and activity.reply_to_id and not is_shared(turn_context):
                await answers.replace(activity.reply_to_id, reply)
            else:
                await answers.post(reply)
        else:
            text = activity.text or "help"  # a card submit that is not ours, or an attachment with no words
            handle = partial(self.core.handle_text, shared=is_shared(turn_context))
            await answers.post(await self._turn(handle, identity, text))
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
        """`Action.Execute` (a press, or Teams refreshing a live card for its viewer).

        The invoke's answer is a card that replaces the pressed one for the person who pressed it; an
        answer that is not a replacement is sent as a message (privately, from a channel) and the invoke
        is answered with a short note.
        """
        value = turn_context.activity.value
        identity = await identify(turn_context, self.database, self.tenant_domains)
        action = executed_action(value)
        automatic = isinstance(value, dict) and value.get("trigger") == "automatic"
        reply = EXPIRED if action is None else await self._pressed(identity, action, executed_data(value),
                                                                   automatic)
        await remember(self.database, turn_context.activity, identity)
        if automatic or reply.replace:
            return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE,
                                              value=render_card(reply, viewers=(identity.user_id,)))
        answers = self._answers(turn_context, identity)
        if is_shared(turn_context):
            sent = await answers.privately(reply)
            note = SENT_PRIVATELY if sent else "I couldn't reach you in a private chat. Message me directly."
        else:
            await answers.post(reply)
            note = ANSWERED_BELOW
        return MessageAnswer(status_code=200, type=MESSAGE_CONTENT_TYPE, value=note)

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
