"""How the app gets its tokens: one workspace (`SLACK_BOT_TOKEN`) or OAuth v2 for many.

Both modes produce keyword arguments for slack-bolt's AsyncApp. The OAuth mode keeps installations and
state in our own database with slack-sdk's SQLAlchemy stores (tables created by migration 0002), so a
second `serve` process behind the load balancer sees every workspace the first one installed. Every
Web API client built here uses `SLACK_API_URL`, including the OAuth flow's `oauth.v2.access` call.
Installs from workspaces not in LEADERS_ALLOWED_SLACK_TEAMS are refused (admission.py).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.admission import AdmittingInstallationStore, admission_callbacks
from adapters.slack.errors import log_api_error
from adapters.slack.stores import ThreadedStateStore
from directory.database import Database
from directory.settings import Settings

log = logging.getLogger("adapters.slack")
# The bot scopes the app asks for — exactly those in manifest.yaml (a test keeps the two equal).
BOT_SCOPES = ("app_mentions:read", "chat:write", "commands", "im:history", "mpim:write", "users:read",
              "users:read.email")
STATE_TTL_SECONDS = 600
MAX_RETRY_AFTER = 10


class CappedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """Honours 429 Retry-After once, unless Slack asks us to wait longer than a leader would."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            return int(values[0]) <= MAX_RETRY_AFTER
        except (TypeError, ValueError):
            return False


def retry_handlers() -> list[AsyncRetryHandler]:
    return [AsyncConnectionErrorRetryHandler(max_retry_count=1),
            CappedRateLimitRetryHandler(max_retry_count=1)]


def web_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token or None, base_url=_base_url(settings.slack_api_url),
                          retry_handlers=retry_handlers(), timeout=10)


def _base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def is_oauth(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def bolt_options(settings: Settings, database: Database) -> dict[str, Any]:
    """AsyncApp keyword arguments for the configured install mode."""
    if not is_oauth(settings):
        return {"client": web_client(settings, settings.slack_bot_token)}
    # Imported here: slack-sdk's SQLAlchemy stores import sqlalchemy.ext.asyncio, which needs `greenlet`.
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    async def revoke(token: str) -> None:
        try:
            await web_client(settings, token).auth_revoke()
        except SlackApiError as error:
            log_api_error("auth.revoke", error)
        except (TimeoutError, SlackClientError, OSError) as error:
            log.warning("Slack auth.revoke failed: %s", type(error).__name__)

    installations = AdmittingInstallationStore(
        SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=database.engine),
        settings.allowed_slack_team_set, revoke)
    states = ThreadedStateStore(
        SQLAlchemyOAuthStateStore(expiration_seconds=STATE_TTL_SECONDS, engine=database.engine))
    redirect_uri = f"{settings.public_url}/slack/oauth_redirect" if settings.public_url else None
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES), user_scopes=[], redirect_uri=redirect_uri,
        install_page_rendering_enabled=False,  # /slack/install goes straight to Slack's consent page
        installation_store=installations, state_store=states,
        state_expiration_seconds=STATE_TTL_SECONDS, callback_options=admission_callbacks())
    return {"client": web_client(settings), "oauth_settings": oauth, "installation_store": installations}
