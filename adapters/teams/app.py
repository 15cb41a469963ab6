"""Wiring Teams into the shared aiohttp server: `POST /api/messages` on botbuilder's CloudAdapter.

Mounted only when Teams is configured (adapters/teams/config.py): with MICROSOFT_APP_ID, every activity's
JWT is validated by the SDK (ConfigurationBotFrameworkAuthentication), and anything the SDK raises while
validating — not only its PermissionError but also an expired or unsigned token's decode error — is a
401; with LEADERS_TEAMS_INSECURE_LOCAL=1 nothing is authenticated, so only loopback serviceUrls are
served, and the log says so at start.

A request is checked from the cheapest end, so a stranger's request costs next to nothing:
  1. authentication on: an `Authorization: Bearer <jwt>` header of sane shape, before any body is read;
  2. the body, read up to MAX_BODY bytes whatever Content-Length says (chunked bodies included);
  3. JSON decoding off the event loop (a 256 KB body must not hold up Slack's acks), on two threads of
     its own (PARSE_THREADS), so a burst of big bodies queues there instead of taking the threads health
     checks and turns use; nesting deeper than MAX_DEPTH is refused — `[` × 200,000 is a 400, never a
     RecursionError and a 500;
  4. the serviceUrl against the allow-list (service_urls.py): the bot's replies and its bearer token go
     there, so a URL we do not trust is a 403 before any outbound call;
  5. the SDK's JWT validation, against a stub activity (it needs only the serviceUrl and channel);
  6. only then the SDK Activity, built on those threads too, and the turn.
Errors inside a turn go to `on_turn_error`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication

from adapters.bootstrap import Services
from adapters.teams.bot import LeadersTeamsBot, reply_activity
from adapters.teams.config import (
    NO_TENANTS_WARNING,
    UNAUTHENTICATED_WARNING,
    is_authenticated,
    sdk_configuration,
)
from adapters.teams.sender import TeamsSender
from adapters.teams.service_urls import ServiceUrlPolicy, host_of, service_url_policy
from bot.replies import Reply, Text

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024  # Teams' own activities stay far below: a message is capped at ~100 KB
MAX_DEPTH = 64  # Teams nests activities a dozen levels at most (a card's data inside `value`)
MAX_AUTH_HEADER = 4096  # a Bot Framework channel token is 1–2 KB
PARSE_THREADS = 2
_BEARER = re.compile(r"Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


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
        self.settings = settings
        self.authenticated = is_authenticated(settings)
        self.service_urls: ServiceUrlPolicy = service_url_policy(settings)
        self.authentication: BotFrameworkAuthentication = RefusingAuthentication(
            sdk_configuration(settings, services.teams_endpoints))
        self.adapter = CloudAdapter(self.authentication)
        self.adapter.on_turn_error = on_turn_error
        self.bot = LeadersTeamsBot(services.bot, services.database, services.turn_threads)
        self.sender = TeamsSender(CloudAdapter(self.authentication), settings.microsoft_app_id,
                                  self.service_urls)
        self.parse_threads = ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="teams-parse")

    def log_start_state(self) -> None:
        """What an operator must know at start: local mode is open to anyone; no tenant is admitted."""
        if not self.authenticated:
            log.warning(UNAUTHENTICATED_WARNING)
        if not self.settings.allowed_tenant_set:
            log.warning(NO_TENANTS_WARNING)
        stray = sorted(set(self.settings.tenant_domain_map) - self.settings.allowed_tenant_set)
        if stray:
            log.warning("LEADERS_TENANT_DOMAINS names %d tenant(s) that are not in LEADERS_ALLOWED_TENANTS; "
                        "their domains vouch for nobody", len(stray))

    async def messages(self, request: web.Request) -> web.StreamResponse:
        header = request.headers.get("Authorization")
        if self.authenticated and not _bearer_shaped(header):
            raise web.HTTPUnauthorized(reason="invalid or missing token")
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType(reason="Teams activities must be application/json")
        loop = asyncio.get_running_loop()
        raw = await read_capped(request, MAX_BODY)
        body = await loop.run_in_executor(self.parse_threads, decode_body, raw)
        service_url = body["serviceUrl"]
        if not self.service_urls.allows(service_url):
            log.info("Teams activity refused: serviceUrl host %.80r is not allowed", host_of(service_url))
            raise web.HTTPForbidden(reason="serviceUrl is not an allowed Bot Connector host")
        stub = Activity(service_url=service_url, channel_id=body.get("channelId"),
                        recipient=ChannelAccount(role=_role(body)))  # the SDK reads these three only
        try:
            authenticated = await self.authentication.authenticate_request(
                stub, header if self.authenticated else None)  # type: ignore[arg-type]
        except PermissionError:
            raise web.HTTPUnauthorized(reason="invalid or missing token") from None
        activity = await loop.run_in_executor(self.parse_threads, to_activity, body)
        if activity is None:
            raise web.HTTPBadRequest(reason="body is not a Bot Framework activity")
        # What CloudAdapter.process does, except that the invoke body is serialised once: 4.17.1 runs
        # serializer_helper on the already-serialised dict ActivityHandler returns and fails.
        invoke = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if invoke is None:
            return web.Response(status=201)
        payload = invoke.body if invoke.body is None or isinstance(invoke.body, dict | list) \
            else serializer_helper(invoke.body)
        return web.json_response(payload, status=int(invoke.status))


def _role(body: dict[str, Any]) -> str | None:
    role = (body.get("recipient") or {}).get("role")
    return role if isinstance(role, str) else None


def _bearer_shaped(header: str | None) -> bool:
    return header is not None and len(header) <= MAX_AUTH_HEADER and _BEARER.fullmatch(header) is not None


async def read_capped(request: web.Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as more than `limit` bytes arrive (Content-Length or not)."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
        chunks.append(chunk)
    return b"".join(chunks)


def decode_body(raw: bytes) -> dict[str, Any]:
    """The JSON body if it is an object with the fields every Teams activity has (run off the loop)."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise web.HTTPBadRequest(reason="body is not JSON") from None
    if nested_deeper_than(body, MAX_DEPTH):
        raise web.HTTPBadRequest(reason="body is nested too deeply") from None
    if not _shaped(body):
        raise web.HTTPBadRequest(reason="body is not a Bot Framework activity")
    return body


def nested_deeper_than(value: object, limit: int) -> bool:
    """Whether any array or object sits more than `limit` levels deep (iteratively: no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        if children and level > limit:
            return True
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return False


def _shaped(body: object) -> bool:
    if not isinstance(body, dict):
        return False
    typed = all(isinstance(body.get(name), str) and body[name] for name in ("type", "serviceUrl"))
    shaped = all(isinstance(body.get(name, {}), dict) for name in ("from", "recipient", "conversation"))
    return typed and shaped and isinstance(body.get("channelId", ""), str)


def to_activity(body: dict[str, Any]) -> Activity | None:
    """The SDK's Activity, if msrest can read every field (run off the loop: it is slow on big bodies)."""
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

    async def stop_parsing(_app: web.Application) -> None:
        teams.parse_threads.shutdown(wait=False, cancel_futures=True)
    app.on_cleanup.append(stop_parsing)
    return teams
