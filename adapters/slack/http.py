"""Slack's routes on the shared aiohttp server: `POST /slack/events` and the OAuth install pair.

A ~50-line converter in the style of `slack_bolt.adapter.aiohttp`, with checks in front of bolt: the
body is read only up to a cap (adapters/request_bodies.py; 413 beyond it, chunked or not), the signature
is verified before the body is parsed (bolt parses first, so a forged, malformed body would otherwise
reach a JSON decoder and end as a 500), and a body that is signed but unreadable is a 400. Bad or stale
(> 5 minutes) signatures are a 401 and reach no listener.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.bootstrap import Services
from adapters.request_bodies import SLACK_EVENTS, read_capped
from adapters.slack.admission import NO_TEAMS_WARNING
from adapters.slack.app import Background, build_bolt_app
from adapters.slack.redeliveries import SeenRequests
from adapters.slack.turns import ResponseUrls
from adapters.turn_processes import ThreadTurns, TurnProcesses, build_turn_runner

log = logging.getLogger("adapters.slack")
SLACK_APP: web.AppKey[AsyncApp] = web.AppKey("slack_app", AsyncApp)
DRAIN_SECONDS = 10.0  # at shutdown, for turns already acknowledged (docs/systemd: SIGKILL after 30 s)
SLACK_TURNS: web.AppKey[ThreadTurns | TurnProcesses] = web.AppKey("slack_turns")


class SlackRoutes:
    def __init__(self, bolt: AsyncApp, signing_secret: str) -> None:
        self.bolt = bolt
        self.verifier = SignatureVerifier(signing_secret)

    async def events(self, request: web.Request) -> web.StreamResponse:
        raw = await read_capped(request, SLACK_EVENTS)  # before anything else: 413 past the cap
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        try:
            body = raw.decode("utf-8")
            valid = timestamp.isdigit() and self.verifier.is_valid(body, timestamp, signature)
        except (UnicodeDecodeError, ValueError):
            valid = False
        if not valid:
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string,
                                            headers=request.headers)  # type: ignore[arg-type]
        except (ValueError, TypeError, AttributeError, RecursionError):  # RecursionError: "[[[[…"
            log.info("signed Slack request with an unreadable body (%d bytes)", len(raw))
            return web.json_response({"error": "malformed body"}, status=400)
        if not isinstance(bolt_request.body, dict):
            return web.json_response({"error": "malformed body"}, status=400)
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

    async def install(self, request: web.Request) -> web.StreamResponse:
        flow = self.bolt.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_installation(await _bolt_get(request)))

    async def oauth_redirect(self, request: web.Request) -> web.StreamResponse:
        flow = self.bolt.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(await _bolt_get(request)))


async def _bolt_get(request: web.Request) -> AsyncBoltRequest:
    return AsyncBoltRequest(body="", query=request.query_string, headers=request.headers)  # type: ignore[arg-type]


def slack_configured(services: Services) -> bool:
    settings = services.settings
    return bool(settings.slack_bot_token or settings.slack_client_id)


def mount_slack(app: web.Application, services: Services) -> AsyncApp:
    """Build the Slack app and add its routes; the bolt app is kept at `app[SLACK_APP]` for Socket Mode."""
    response_urls = ResponseUrls()
    engine = build_turn_runner(services.settings, services.bot, services.turn_threads)
    background = Background(SeenRequests(services.database))
    bolt = build_bolt_app(services, response_urls, engine, background)
    routes = SlackRoutes(bolt, services.settings.slack_signing_secret)

    async def start_engine(_app: web.Application) -> None:
        await engine.start()  # worker processes ready before the first request is taken

    async def close_engine(_app: web.Application) -> None:
        await background.drain(DRAIN_SECONDS)  # answers owed, then the workers, then the HTTP session
        await engine.close()
        await response_urls.close()
    app.on_startup.append(start_engine)
    app.on_cleanup.append(close_engine)
    app[SLACK_TURNS] = engine
    app[SLACK_APP] = bolt
    app.router.add_post("/slack/events", routes.events)
    if bolt.oauth_flow is not None:
        app.router.add_get(bolt.oauth_flow.install_path, routes.install)
        app.router.add_get(bolt.oauth_flow.redirect_uri_path, routes.oauth_redirect)
    mode = "OAuth (many workspaces)" if bolt.oauth_flow is not None else "single workspace"
    log.info("Slack adapter mounted at /slack/events (%s)", mode)
    if bolt.oauth_flow is not None and not services.settings.allowed_slack_team_set:
        log.warning(NO_TEAMS_WARNING)
    elif bolt.oauth_flow is None and services.settings.allowed_slack_team_set:
        log.info("LEADERS_ALLOWED_SLACK_TEAMS is not consulted with a single SLACK_BOT_TOKEN: the token's "
                 "own workspace is the one admitted")
    return bolt
