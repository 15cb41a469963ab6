"""Slack's side of delivery: post one outbox message to a leader's DM with the workspace's bot token.

`chat.postMessage` with `channel` set to a user id posts into the app's DM with that user (the Messages
tab); a stored conversation id (a channel) is used as is. Where it landed — the channel Slack answers
with and the message `ts` — is kept on the row, and an update of the card later is a `chat.update` of
exactly that message (a poll closing, an introduction accepted on another device).

The token is the workspace's: `SLACK_BOT_TOKEN`, or the OAuth installation store. Inside an Enterprise
Grid org the account's workspace id is the org (E…), so the lookup tries the install of the workspace
(team) the person speaks from first, then an org-wide install, then — for accounts linked before the
team was recorded — the org's newest workspace install.

The client here has no retry handlers of its own: a 429 must pause the whole lane (scheduler/delivery.py)
rather than one request, and a retry is the outbox's decision. Errors become `SendFailure`s carrying only
Slack's error code — never the token or the message. In OAuth mode nothing goes to a workspace that is
not in LEADERS_ALLOWED_SLACK_TEAMS (admission.py), even one whose installation is still stored: the
account's workspace (or Grid org) or the Grid workspace it speaks from must be listed, as for a request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.admission import admitted
from adapters.slack.errors import error_code
from adapters.slack.install import is_oauth
from adapters.slack.render import message, post_message
from directory.database import Database
from directory.settings import Settings
from scheduler.retry_policy import SendFailure
from scheduler.senders import Envelope, Sent

# Slack's answers that no retry will change: the person or the installation is gone or refuses.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "user_not_found", "account_inactive", "user_disabled", "is_archived",
    "not_in_channel", "cannot_dm_bot", "messages_tab_disabled", "restricted_action", "no_permission",
    "invalid_auth", "not_authed", "token_revoked", "token_expired", "missing_scope",
    "team_access_not_granted",
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "too_many_attachments",
    "ekm_access_denied", "team_not_found", "org_login_required", "not_installed",
    "message_not_found", "cant_update_message", "edit_window_closed",  # chat.update of a card
})
AUTH_REFUSALS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                           "team_access_not_granted", "not_installed"})
TOKEN_TTL = 300.0
# A stored conversation `mpim:U1,U2`: the group DM of those users and the app, which `conversations.open`
# opens or finds again (the same users always get the same conversation, so a retry posts to it too).
GROUP_DM = "mpim:"

TokenLookup = Callable[[str], Awaitable[str | None]]


def parse_retry_after(value: object) -> float | None:
    try:
        return max(0.0, float(str(value)))
    except (TypeError, ValueError):
        return None


def failure_from(error: SlackApiError) -> SendFailure:
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    code = ""
    try:
        code = str(response.get("error") or "")
    except Exception:  # a body we cannot read
        code = ""
    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", None) or {}
        value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        if isinstance(value, list):
            value = value[0] if value else None
        return SendFailure("throttled", "Slack rate limit (429)", parse_retry_after(value))
    if status >= 500:
        return SendFailure("retry", f"Slack server error (HTTP {status}{', ' + code if code else ''})")
    if code in PERMANENT_ERRORS:
        return SendFailure("permanent", f"Slack refused: {code}")
    return SendFailure("retry", f"Slack error: {code or f'HTTP {status}'}")


class SlackTokens:
    """The bot token for a workspace: `SLACK_BOT_TOKEN` (one workspace) or the OAuth installation store."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self._cache: dict[tuple[str, str], tuple[float, str | None]] = {}
        self._store = None
        if is_oauth(settings):
            from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

            self._store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id,
                                                      engine=database.engine)

    async def token(self, workspace_id: str, team_id: str = "") -> str | None:
        if self._store is None:
            return self.settings.slack_bot_token or None
        key = (workspace_id, team_id)
        cached = self._cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        found = await asyncio.to_thread(self._find, workspace_id, team_id)
        self._cache[key] = (time.monotonic() + TOKEN_TTL, found)
        return found

    def forget(self, workspace_id: str, team_id: str = "") -> None:
        """Drop a cached token Slack refused (revoked, uninstalled): the next message looks it up again."""
        self._cache.pop((workspace_id, team_id), None)

    def _find(self, workspace_id: str, team_id: str) -> str | None:
        store = self._store
        assert store is not None
        if not workspace_id.startswith("E"):  # a workspace outside any Enterprise Grid org
            bot = store.find_bot(enterprise_id=None, team_id=workspace_id)
            return bot.bot_token if bot is not None else None
        if team_id and not team_id.startswith("E"):  # the Grid workspace's own install
            bot = store.find_bot(enterprise_id=workspace_id, team_id=team_id, is_enterprise_install=False)
            if bot is not None:
                return bot.bot_token
        bot = store.find_bot(enterprise_id=workspace_id, team_id=None, is_enterprise_install=True)
        if bot is not None:
            return bot.bot_token
        return self._newest_workspace_install(workspace_id)

    def _newest_workspace_install(self, enterprise_id: str) -> str | None:
        from sqlalchemy import desc, select

        assert self._store is not None
        bots = self._store.bots.c
        with self.database.engine.connect() as connection:
            return connection.scalar(select(bots.bot_token).where(
                bots.client_id == self.settings.slack_client_id, bots.enterprise_id == enterprise_id,
                bots.bot_token.is_not(None)).order_by(desc(bots.installed_at)).limit(1))


class SlackSender:
    """Posts outbox messages through the Web API at `SLACK_API_URL`, one shared HTTP session."""

    def __init__(self, settings: Settings, tokens: SlackTokens, timeout: float = 10.0) -> None:
        self.base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") \
            else settings.slack_api_url + "/"
        self.tokens = tokens
        self.timeout = timeout
        self.admitted = settings.allowed_slack_team_set if is_oauth(settings) else None
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}

    def _client(self, token: str) -> AsyncWebClient:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
            self._clients.clear()
        client = self._clients.get(token)
        if client is None:
            client = AsyncWebClient(token=token, base_url=self.base_url, session=self._session,
                                    retry_handlers=[], timeout=int(self.timeout))
            self._clients[token] = client
        return client

    async def send(self, envelope: Envelope) -> Sent:
        if self.admitted is not None \
                and not admitted((envelope.workspace_id, envelope.team_id), self.admitted):
            raise SendFailure("permanent", "Slack: this workspace is not in LEADERS_ALLOWED_SLACK_TEAMS")
        token = await self.tokens.token(envelope.workspace_id, envelope.team_id)
        if not token:
            raise SendFailure("permanent", "Slack: the app is not installed in this workspace")
        client = self._client(token)
        try:
            if envelope.target is not None:
                return await self._update(client, envelope)
            channel = envelope.conversation or envelope.user_id
            if channel.startswith(GROUP_DM):  # an introduction's group DM: opened (or found) first
                opened = await client.conversations_open(users=channel[len(GROUP_DM):])
                channel = str((opened.get("channel") or {}).get("id") or "")
                if not channel:
                    raise SendFailure("retry", "Slack: conversations.open returned no channel")
            response = await client.chat_postMessage(channel=channel, **post_message(envelope.reply))
            return Sent(str(response.get("channel") or channel), str(response.get("ts") or ""))
        except SlackApiError as error:
            if error_code(error) in AUTH_REFUSALS:
                self.tokens.forget(envelope.workspace_id, envelope.team_id)
            raise failure_from(error) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            raise SendFailure("retry", f"Slack unreachable: {type(error).__name__}") from None

    @staticmethod
    async def _update(client: AsyncWebClient, envelope: Envelope) -> Sent:
        """`chat.update` of the card where it was posted (the DM channel and ts Slack answered with)."""
        target = envelope.target
        assert target is not None
        if not (target.conversation and target.message_id):
            raise SendFailure("permanent", "Slack: the card was sent before messages were addressable")
        response = await client.chat_update(channel=target.conversation, ts=target.message_id,
                                            **message(envelope.reply))
        return Sent(str(response.get("channel") or target.conversation),
                    str(response.get("ts") or target.message_id))

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
