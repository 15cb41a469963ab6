"""Wiring Teams into the shared aiohttp server: `POST /api/messages` on botbuilder's CloudAdapter.

With MICROSOFT_APP_ID set, every activity's JWT is validated by the SDK (ConfigurationBotFramework-
Authentication); anything the SDK raises while validating — not only its PermissionError but also an
expired or unsigned token's decode error — is a 401, and the bot never runs. Without an app id the
adapter accepts anonymous requests (local testing only) and the server says so loudly at start.
Malformed bodies are 4xx before the SDK sees them; errors inside a turn go to `on_turn_error`.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication

from adapters.bootstrap import Services
from adapters.teams.bot import LeadersTeamsBot, reply_activity
from adapters.teams.config import UNAUTHENTICATED_WARNING, is_authenticated, sdk_configuration
from adapters.teams.sender import TeamsSender
from bot.replies import Reply, Text

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


class RefusingAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's authentication, with every failure to validate an inbound token reported as refusal."""

    async def authenticate_request(self, activity, auth_header: str) -> AuthenticateRequestResult:  # type: ignore[no-untyped-def]
        try:
            return await super().authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except Exception as error:  # e.g. jwt.ExpiredSignatureError, alg "none", unknown key id
            log.info("Teams request refused: %s", type(error).__name__)
            raise PermissionError("invalid token") from error


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Log the failure and tell the person, instead of leaving them without an answer."""
    log.error("Teams turn failed (%s): %s", turn_context.activity.type, type(error).__name__,
              exc_info=error)
    if turn_context.activity.type == ActivityTypes.message:
        sorry = Reply((Text("Sorry, something went wrong on our side. Please try again in a moment.",
                            "error"),))
        try:
            await turn_context.send_activity(reply_activity(sorry))
        except Exception:  # the connector itself may be what failed
            log.warning("could not tell the user about the failed turn")


class TeamsApp:
    """The Teams parts for one process: authentication, the adapters, the activity handler, the sender."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.authenticated = is_authenticated(settings)
        self.authentication: BotFrameworkAuthentication = RefusingAuthentication(
            sdk_configuration(settings, services.teams_endpoints))
        self.adapter = CloudAdapter(self.authentication)
        self.adapter.on_turn_error = on_turn_error
        self.bot = LeadersTeamsBot(services.bot, services.database, services.turn_threads)
        self.sender = TeamsSender(CloudAdapter(self.authentication), settings.microsoft_app_id)

    def warn_if_unauthenticated(self) -> None:
        if not self.authenticated:
            log.warning(UNAUTHENTICATED_WARNING)

    async def messages(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType(reason="Teams activities must be application/json")
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            raise web.HTTPBadRequest(reason="body is not JSON") from None
        activity = _activity(body)
        if activity is None:
            raise web.HTTPBadRequest(reason="body is not a Bot Framework activity")
        # What CloudAdapter.process does, except that the invoke body is serialised once: 4.17.1 runs
        # serializer_helper on the already-serialised dict ActivityHandler returns and fails.
        try:
            invoke = await self.adapter.process_activity(request.headers.get("Authorization", ""), activity,
                                                         self.bot.on_turn)
        except PermissionError:
            raise web.HTTPUnauthorized(reason="invalid or missing token") from None
        if invoke is None:
            return web.Response(status=201)
        payload = invoke.body if invoke.body is None or isinstance(invoke.body, dict | list) \
            else serializer_helper(invoke.body)
        return web.json_response(payload, status=int(invoke.status))


def _activity(body: object) -> Activity | None:
    """The activity, if the body has the fields every Teams activity has, with types the SDK can read."""
    if not isinstance(body, dict):
        return None
    typed = all(isinstance(body.get(name), str) and body[name] for name in ("type", "serviceUrl"))
    shaped = all(isinstance(body.get(name, {}), dict) for name in ("from", "recipient", "conversation"))
    if not (typed and shaped):
        return None
    try:
        return Activity().deserialize(body)
    except Exception:  # msrest's DeserializationError and friends: a malformed field
        return None


TEAMS: web.AppKey[TeamsApp] = web.AppKey("teams", TeamsApp)


def mount(app: web.Application, services: Services) -> TeamsApp:
    """Add `POST /api/messages` to the shared server; returns the Teams parts (the sender among them)."""
    teams = TeamsApp(services)
    app[TEAMS] = teams
    app.router.add_post("/api/messages", teams.messages)
    return teams
