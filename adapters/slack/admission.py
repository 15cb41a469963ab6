"""Which Slack organisations may use the bot: a bolt middleware, and a guard on OAuth installs.

One workspace (`SLACK_BOT_TOKEN`): the workspace (or Enterprise Grid org) the token belongs to — as
`auth.test` reports it, which bolt asks once and keeps in `context.authorize_result` — is the only one
admitted; LEADERS_ALLOWED_SLACK_TEAMS is not consulted. Many workspaces (OAuth): only team (`T…`) and
enterprise (`E…`) ids in LEADERS_ALLOWED_SLACK_TEAMS are admitted — an empty list admits nobody, and the
log says so at start — and an install from anywhere else is refused at the OAuth callback: nothing is
stored, the token Slack just issued is revoked, and the installer sees a page saying why.

A request from elsewhere gets one polite sentence — in the ack of a slash command, through the
`response_url` of a button, as a DM or an ephemeral reply to a message or mention — and nothing else:
no user lookup, no link, no listener runs. The one exception is Slack telling us that a workspace removed
the app or revoked its tokens (`app_uninstalled`, `tokens_revoked`, uninstall.py): heard from anywhere,
because all it does is delete that workspace's own tokens and fail what was queued for it — a workspace
taken off the list after installing must not leave a live token behind.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.payload_utils import is_block_actions, is_event, is_slash_command, to_event
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.slack.stores import ThreadedInstallationStore
from bot.usecases.help import not_admitted_reply

log = logging.getLogger("adapters.slack")
REVOCATIONS = frozenset({"app_uninstalled", "tokens_revoked"})
NO_TEAMS_WARNING = ("LEADERS_ALLOWED_SLACK_TEAMS is empty: Slack (OAuth mode) admits no workspace, so every "
                    "request is answered with a refusal and every install is refused. List the team (T…) "
                    "and Enterprise Grid (E…) ids of the organisations you serve.")


def admitted(ids: set[str | None] | tuple[str | None, ...], allowed: frozenset[str]) -> bool:
    return any(i and i in allowed for i in ids)


def sentence() -> str:
    return not_admitted_reply().summary


def admission_middleware(oauth: bool, allowed: frozenset[str]) -> Any:
    """A global bolt middleware (it runs after authorization, so `authorize_result` is known)."""
    pending: set[asyncio.Task[Any]] = set()

    async def admit_known_organisations(req: AsyncBoltRequest, resp: BoltResponse, next: Any) -> BoltResponse:
        context = req.context
        if not (context.team_id or context.enterprise_id):
            return BoltResponse(status=400, body="")  # every request Slack sends names its workspace
        home = allowed if oauth else _token_workspace(context.authorize_result)
        body = req.body or {}
        if admitted((context.team_id, context.enterprise_id), home) or _is_revocation(body):
            return await next()
        log.info("Slack request from a workspace that is not admitted: refused")
        if is_slash_command(body):
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": sentence()})
        answer = _answer(req, body)
        if answer is not None:
            task = asyncio.create_task(_quietly(answer))
            pending.add(task)  # the event loop keeps only a weak reference to a task
            task.add_done_callback(pending.discard)
        return BoltResponse(status=200, body="")
    return admit_known_organisations


def _is_revocation(body: dict[str, Any]) -> bool:
    event = to_event(body) if is_event(body) else None
    return bool(event) and event.get("type") in REVOCATIONS


def _token_workspace(result: Any) -> frozenset[str]:
    """The single token's own team and enterprise (auth.test, as bolt reports it)."""
    return frozenset(i for i in (result.team_id, result.enterprise_id) if i) if result else frozenset()


def _answer(req: AsyncBoltRequest, body: dict[str, Any]) -> Awaitable[Any] | None:
    """The one sentence, for the interactions that expect an answer; None for the rest."""
    context = req.context
    if is_block_actions(body) and context.respond is not None:
        return context.respond(text=sentence(), response_type="ephemeral", replace_original=False)
    event = to_event(body) if is_event(body) else None
    if not event or event.get("bot_id") or event.get("subtype") or not event.get("user"):
        return None
    if event.get("type") == "message" and event.get("channel_type") == "im":
        return context.client.chat_postMessage(channel=event["channel"], text=sentence())
    if event.get("type") == "app_mention":
        return context.client.chat_postEphemeral(channel=event["channel"], user=event["user"],
                                                 text=sentence())
    return None


async def _quietly(call: Awaitable[Any]) -> None:
    try:
        await call
    except Exception as error:  # a refusal that cannot be delivered is not worth more than a log line
        log.warning("could not deliver the refusal to Slack: %s", type(error).__name__)


class WorkspaceNotAdmittedError(BoltError):
    """An OAuth install from a workspace not in LEADERS_ALLOWED_SLACK_TEAMS."""


class AdmittingInstallationStore(ThreadedInstallationStore):
    """The installation store, refusing to keep an installation from an organisation not admitted.

    bolt's OAuth flow saves the installation right after Slack issues its token; raising a BoltError
    there sends the browser to the failure page (`admission_callbacks`). The token is revoked first,
    so the refused workspace is not left holding a live installation of the app.
    """

    def __init__(self, store: InstallationStore, allowed: frozenset[str],
                 revoke: Callable[[str], Awaitable[None]]) -> None:
        super().__init__(store)
        self.allowed = allowed
        self.revoke = revoke

    async def _check(self, enterprise_id: str | None, team_id: str | None, token: str | None) -> None:
        if admitted((team_id, enterprise_id), self.allowed):
            return
        log.warning("refused a Slack install from a workspace not in LEADERS_ALLOWED_SLACK_TEAMS")
        if token:
            await self.revoke(token)
        raise WorkspaceNotAdmittedError("workspace not in LEADERS_ALLOWED_SLACK_TEAMS")

    async def async_save(self, installation: Installation) -> None:
        await self._check(installation.enterprise_id, installation.team_id, installation.bot_token)
        await super().async_save(installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await self._check(bot.enterprise_id, bot.team_id, bot.bot_token)
        await super().async_save_bot(bot)


REFUSED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Leaders Connect</title>
</head><body><h1>Leaders Connect was not installed</h1><p>{text}</p><p>Nothing was installed in this Slack
workspace, and the permission Slack just granted has been withdrawn.</p></body></html>"""


def admission_callbacks() -> AsyncCallbackOptions:
    """bolt's own success and failure pages, except a clear page for a refused workspace (403)."""
    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        if isinstance(args.error, WorkspaceNotAdmittedError):
            return BoltResponse(status=403, body=REFUSED_PAGE.format(text=html.escape(sentence())),
                                headers={"Content-Type": "text/html; charset=utf-8"})
        return await args.default.failure(args)
    return AsyncCallbackOptions(success=success, failure=failure)
