"""Proactive messages: post a neutral reply to a Teams user without them writing first.

This is the piece the delivery engine (outbox workers) calls. It continues a stored conversation, or
opens a 1:1 chat in the user's tenant with `create_conversation` (possible once the app is installed
for them), or changes a message it sent before (`update_activity`: a card whose state changed), and
raises `DeliveryError` with the HTTP status and any `Retry-After`, so the caller decides whether to
retry. It uses its own CloudAdapter without a turn-error handler, so failures reach it.
A service URL off the allow-list (service_urls.py) — say a reference stored before the list existed — is
refused before any request (a send, an update or opening a chat), since the bot's bearer token would go
with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from adapters.teams.activities import reply_activity
from adapters.teams.service_urls import ServiceUrlPolicy, host_of
from bot.replies import Reply
from directory.conversations import ConversationRef


class DeliveryError(RuntimeError):
    """The Bot Connector refused the message; `status` 429 or ≥ 500 is worth retrying.

    `code` is the connector's error code when it sent one (e.g. `MessageWritesBlocked`: the user blocked
    the bot, which no retry will change).
    """

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None,
                 code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.code = code

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


@dataclass
class _Sent:
    activity_id: str = ""
    conversation_id: str = ""


def _delivery_error(error: Exception) -> DeliveryError:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    headers = getattr(response, "headers", None) or {}
    retry_after = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        seconds = float(retry_after) if retry_after is not None else None
    except ValueError:
        seconds = None
    return DeliveryError(f"Teams delivery failed: {type(error).__name__} (status {status})", status, seconds,
                         _error_code(error, response))


def _error_code(error: Exception, response: object) -> str:
    """The connector's `{"error": {"code": …}}`, from msrest's parsed model or the raw body."""
    parsed = getattr(getattr(getattr(error, "error", None), "error", None), "code", None)
    if isinstance(parsed, str) and parsed:
        return parsed[:100]
    try:
        body = response.json() if response is not None and hasattr(response, "json") else None  # type: ignore[union-attr]
    except Exception:  # not JSON: no code
        return ""
    code = body.get("error", {}).get("code") if isinstance(body, dict) and \
        isinstance(body.get("error"), dict) else None
    return code[:100] if isinstance(code, str) else ""


def to_sdk_reference(ref: ConversationRef) -> ConversationReference:
    return ConversationReference(
        channel_id=ref.channel_id, service_url=ref.service_url,
        bot=ChannelAccount(id=ref.bot_id, name=ref.bot_name or None),
        user=ChannelAccount(id=ref.user_channel_id or ref.user_id, aad_object_id=ref.user_id),
        conversation=ConversationAccount(id=ref.conversation_id, conversation_type=ref.conversation_type,
                                         tenant_id=ref.tenant_id))


NOT_ALLOWED = "ServiceUrlNotAllowed"  # our own code for a refusal no retry can change


class TeamsSender:
    def __init__(self, adapter: CloudAdapter, app_id: str, service_urls: ServiceUrlPolicy) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.service_urls = service_urls

    def _check(self, service_url: str) -> None:
        if not self.service_urls.allows(service_url):
            raise DeliveryError(f"Teams delivery refused: service URL host {host_of(service_url)[:80]!r} is "
                                "not an allowed Bot Connector host (LEADERS_TEAMS_SERVICE_URL_HOSTS)", 403,
                                code=NOT_ALLOWED)

    async def send(self, ref: ConversationRef, reply: Reply) -> str:
        """Post `reply` into the stored conversation; returns the new message's id."""
        self._check(ref.service_url)
        sent = _Sent()

        async def post(turn_context: TurnContext) -> None:
            # The continuation activity carries a made-up id; without this the message would be posted
            # as a reply to it (…/activities/{id}) instead of as a new message in the conversation.
            turn_context.activity.id = None
            response = await turn_context.send_activity(reply_activity(reply, recipient_id=ref.user_id))
            sent.activity_id = (response.id if response else "") or ""

        try:
            await self.adapter.continue_conversation(to_sdk_reference(ref), post, bot_app_id=self.app_id)
        except Exception as error:
            raise _delivery_error(error) from error
        return sent.activity_id

    async def update(self, ref: ConversationRef, activity_id: str, reply: Reply) -> str:
        """Replace the message `activity_id` in the stored conversation with `reply` (for everyone in it)."""
        self._check(ref.service_url)
        updated = _Sent(activity_id=activity_id)

        async def put(turn_context: TurnContext) -> None:
            turn_context.activity.id = None  # the continuation's made-up id is not the message we change
            activity = reply_activity(reply, recipient_id=ref.user_id)
            activity.id = activity_id
            response = await turn_context.update_activity(activity)
            updated.activity_id = (response.id if response else "") or activity_id

        try:
            await self.adapter.continue_conversation(to_sdk_reference(ref), put, bot_app_id=self.app_id)
        except Exception as error:
            raise _delivery_error(error) from error
        return updated.activity_id

    async def open_and_send(self, tenant_id: str, user_id: str, service_url: str, reply: Reply,
                            bot_id: str = "", member_id: str = "") -> tuple[ConversationRef, str]:
        """Open (or reuse — Teams returns the existing one) the 1:1 chat with `user_id` and post `reply`.

        `user_id` is the user's AAD object id; `member_id` their `29:` id when known (in a turn). Returns
        the reference to store for next time and the new message's activity id.
        """
        self._check(service_url)
        bot = ChannelAccount(id=bot_id or f"28:{self.app_id}")
        parameters = ConversationParameters(is_group=False, bot=bot,
                                            members=[ChannelAccount(id=member_id or user_id)],
                                            tenant_id=tenant_id, channel_data={"tenant": {"id": tenant_id}})
        sent = _Sent()

        async def post(turn_context: TurnContext) -> None:
            sent.conversation_id = turn_context.activity.conversation.id
            turn_context.activity.id = None  # a new conversation: nothing to reply to
            response = await turn_context.send_activity(reply_activity(reply, recipient_id=user_id))
            sent.activity_id = (response.id if response else "") or ""

        try:
            await self.adapter.create_conversation(self.app_id, post, parameters, channel_id="msteams",
                                                   service_url=service_url)
        except Exception as error:
            raise _delivery_error(error) from error
        return ConversationRef(tenant_id, user_id, sent.conversation_id, "personal", service_url, bot.id,
                               user_id), sent.activity_id
