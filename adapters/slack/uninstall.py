"""A workspace that removes the app: its tokens are deleted and what waits for it fails with that reason.

Slack sends `app_uninstalled` when a workspace (or a whole Enterprise Grid org) removes the app, and
`tokens_revoked` when tokens are revoked (the bot's among them when its entry lists bot tokens). bolt's
token revocation listeners (`AsyncTokenRevocationListeners`) delete the installation or bot token from the
OAuth installation store — so no later request or message uses a dead token — and then every message
still queued for that workspace is failed with the reason, where `leaders outbox --failed` shows it,
instead of being tried eight times against a workspace that is gone.

With one workspace (`SLACK_BOT_TOKEN`) there is no store to delete from: the messages fail the same way
and the log says that the token must be replaced.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from sqlalchemy import MetaData, select

from directory.database import Database
from directory.outbox import fail_waiting

log = logging.getLogger("adapters.slack")
UNINSTALLED = "Slack: the app was uninstalled from this workspace"
REVOKED = "Slack: the app's token was revoked in this workspace"


def register_uninstall_listeners(app: AsyncApp, database: Database, client_id: str = "") -> None:
    store = app.installation_store
    revocations = AsyncTokenRevocationListeners(store) if store is not None else None

    @app.event("app_uninstalled")
    async def uninstalled(context: Any) -> None:
        if revocations is not None:
            await revocations.handle_app_uninstalled_events(context)
        await _fail_queued(database, context, UNINSTALLED, client_id)

    @app.event("tokens_revoked")
    async def tokens_revoked(event: dict, context: Any) -> None:
        if revocations is not None:
            await revocations.handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            await _fail_queued(database, context, REVOKED, client_id)


async def _fail_queued(database: Database, context: Any, reason: str, client_id: str) -> None:
    enterprise, team = context.get("enterprise_id") or "", context.get("team_id") or ""
    failed = await asyncio.to_thread(_fail, database, enterprise, team, reason, client_id)
    if client_id:
        log.warning("%s (%s): its tokens are deleted; %d queued messages failed", reason,
                    enterprise or team, failed)
    else:
        log.error("%s (%s): %d queued messages failed; replace SLACK_BOT_TOKEN (reinstall the app)", reason,
                  enterprise or team, failed)


def _fail(database: Database, enterprise: str, team: str, reason: str, client_id: str) -> int:
    with database.session() as session:
        if not enterprise:
            return fail_waiting(session, "slack", team, reason)
        if team:  # one workspace of a Grid org removed its own install
            return fail_waiting(session, "slack", enterprise, reason, team_id=team)
        # The org-wide install is gone: what waits for workspaces with an install of their own still goes.
        return fail_waiting(session, "slack", enterprise, reason,
                            except_teams=_installed_teams(session, enterprise, client_id))


def _installed_teams(session: Any, enterprise: str, client_id: str) -> list[str]:
    if not client_id:
        return []
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    bots = SQLAlchemyInstallationStore.build_bots_table(MetaData(), "slack_bots").c
    return [team for team in session.scalars(select(bots.team_id).where(
        bots.client_id == client_id, bots.enterprise_id == enterprise, bots.team_id.is_not(None),
        bots.bot_token.is_not(None))) if team]
