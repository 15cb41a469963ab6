"""A fake Slack for end-to-end tests: the Web API and response_url on loopback, plus a request signer.

Like bolt-python's `tests/mock_web_api_server` and opsdroid's `external_api.py`: a real aiohttp server
that records every call (method, Authorization header, body) and answers the way Slack documents, so the
adapter's outbound traffic goes through its real HTTP client. Failures can be scripted per method.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import ClientSession, web

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-single-workspace-token"
_TRIGGERS = itertools.count(13345224609)


def trigger_id() -> str:
    """A fresh trigger id, shaped like Slack's: every command and interaction gets its own."""
    return f"{next(_TRIGGERS)}.738474920.{secrets.token_hex(16)}"


@dataclass
class Call:
    method: str
    authorization: str
    body: dict[str, Any]


@dataclass
class FakeSlack:
    """The Web API under `/api/<method>` and response URLs under `/response/<anything>`."""

    emails: dict[str, str] = field(default_factory=dict)  # user id -> verified email
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> users.info fields to change
    calls: list[Call] = field(default_factory=list)
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (path, JSON body)
    failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(default_factory=dict)
    oauth_access: dict[str, Any] = field(default_factory=dict)
    # The messages the app posted and where they are now, by (channel, ts): chat.update changes them.
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    on_response: Any = None  # called with the response_url key as each answer arrives (benchmarks)
    record: bool = True  # False: count nothing, keep nothing (long benchmark runs)
    url: str = ""
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition | None = None

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._changed = asyncio.Condition()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"{self.url}/response/{key}"

    def fail(self, method: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None,
             times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([(status, body, headers or {})] * times)

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> Any:
        """Wait until `predicate()` is truthy (the adapter works after its ack) and return its value."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        return predicate()

    async def settle(self, seconds: float = 0.3) -> None:
        """Give background work time to do something it should not (for asserting that nothing came)."""
        await asyncio.sleep(seconds)

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                body.update(json.loads(raw))
            else:
                body.update(dict(parse_qsl(raw, keep_blank_values=True)))
        if self.record:
            self.calls.append(Call(method, request.headers.get("Authorization", ""), body))
            await self._notify()
        if self.failures.get(method):
            status, answer, headers = self.failures[method].pop(0)
            return web.json_response(answer, status=status, headers=headers)
        return web.json_response(self._answer(method, body, request.headers.get("Authorization", "")))

    def _answer(self, method: str, body: dict[str, Any], authorization: str) -> dict[str, Any]:
        if method == "users.info":
            user = str(body.get("user", ""))
            if user not in self.emails:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {**self._member(user, authorization), **self.users.get(user, {})}}
        if method == "auth.test":
            return {"ok": True, "url": "https://example.slack.com/", "team": "Example", "user": "leaders",
                    "team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False}
        if method == "oauth.v2.access":
            return {"ok": True, **self.oauth_access}
        if method == "auth.revoke":
            return {"ok": True, "revoked": True}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            channel = str(body.get("channel", ""))
            if channel.startswith("U"):  # posting to a user id lands in the app's DM with them
                channel = "D" + channel[1:]
            ts = f"1700000000.{len(self.messages) + 1:06d}"
            self.messages[(channel, ts)] = body
            return {"ok": True, "channel": channel, "ts": ts}
        if method == "chat.update":
            key = (str(body.get("channel", "")), str(body.get("ts", "")))
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            self.messages[key] = body
            return {"ok": True, "channel": key[0], "ts": key[1], "text": body.get("text", "")}
        if method == "conversations.open":
            users = sorted(str(body.get("users", "")).split(","))
            return {"ok": True, "channel": {"id": "G" + "".join(u.lstrip("U")[:4] for u in users)}}
        if method in ("views.publish", "views.open", "views.update"):
            return {"ok": True, "view": {"id": body.get("view_id") or "V0001"}}
        return {"ok": False, "error": "unknown_method"}

    def _member(self, user: str, authorization: str) -> dict[str, Any]:
        """A full member with a confirmed email, at home where the token is: `xoxb-installed-T…` is that
        team's, `xoxb-installed-E…` that Grid org's (the user's own workspace being T0009), else T0001."""
        home = authorization.rsplit("xoxb-installed-", 1)[-1] if "xoxb-installed-" in authorization else ""
        where: dict[str, Any] = {"team_id": home or "T0001"}
        if home.startswith("E"):
            where = {"team_id": "T0009", "enterprise_user": {"id": user, "enterprise_id": home,
                                                              "enterprise_name": "Public Sector Grid"}}
        return {"id": user, "name": "leader", "deleted": False, "is_bot": False, "is_app_user": False,
                "is_admin": False, "is_owner": False, "is_restricted": False, "is_ultra_restricted": False,
                "is_email_confirmed": True, **where,
                "profile": {"email": self.emails[user], "real_name": "Someone"}}

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.on_response is not None:
            self.on_response(request.match_info["key"])
        if self.record:
            self.responses.append((request.path, body))
            await self._notify()
        return web.Response(text="ok")


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Headers exactly as Slack signs a request: v0 HMAC-SHA256 over `v0:{timestamp}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def slash_command(text: str, *, user_id: str, team_id: str = "T0001", response_url: str,
                  enterprise_id: str = "", is_enterprise_install: bool = False) -> str:
    """A `/leaders` slash command body with every field Slack documents, form-encoded as Slack sends it."""
    return urlencode({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": team_id, "team_domain": "example",
        "enterprise_id": enterprise_id, "enterprise_name": "Example Grid" if enterprise_id else "",
        "channel_id": "C2147483705", "channel_name": "general", "user_id": user_id, "user_name": "leader",
        "command": "/leaders", "text": text, "api_app_id": "A0LEADERS",
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "response_url": response_url, "trigger_id": trigger_id(),
    })


def block_actions(value: str, *, user_id: str, team_id: str = "T0001", response_url: str | None,
                  action_id: str = "lc:1", channel_id: str = "C2147483705",
                  message_ts: str = "1700000000.000100", is_ephemeral: bool = True) -> str:
    """A `block_actions` interaction: JSON in the `payload` form field. By default the press is on an
    ephemeral answer in a channel; a card in the app's DM is `channel_id="D…", is_ephemeral=False`."""
    payload: dict[str, Any] = {
        "type": "block_actions", "api_app_id": "A0LEADERS", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team": {"id": team_id, "domain": "example"}, "enterprise": None, "is_enterprise_install": False,
        "user": {"id": user_id, "username": "leader", "name": "leader", "team_id": team_id},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
                      "is_ephemeral": is_ephemeral},
        "trigger_id": trigger_id(),
        "channel": {"id": channel_id, "name": "directmessage" if channel_id.startswith("D") else "general"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                     "text": {"type": "plain_text", "text": "View profile", "emoji": True},
                     "action_ts": "1700000001.000200"}],
    }
    if response_url is not None:
        payload["response_url"] = response_url
    else:
        payload["container"] = {"type": "view", "view_id": "V0001"}
        payload.pop("channel")
    return urlencode({"payload": json.dumps(payload)})


def view_submission(view: dict[str, Any], values: dict[str, str], *, user_id: str,
                    team_id: str = "T0001") -> str:
    """A `view_submission` for a modal we opened: `view` as sent to views.open, inputs set to `values`
    (text inputs and static selects shaped as Slack's `state.values` documents them)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input" or block["block_id"] not in values:
            continue
        element, value = block["element"], values[block["block_id"]]
        if element["type"] == "static_select":
            chosen = next((o for o in element["options"] if o["value"] == value),
                          {"text": {"type": "plain_text", "text": value}, "value": value})
            entry: dict[str, Any] = {"type": "static_select", "selected_option": chosen}
        else:
            entry = {"type": "plain_text_input", "value": value or None}
        state[block["block_id"]] = {element["action_id"]: entry}
    payload = {
        "type": "view_submission", "team": {"id": team_id, "domain": "example"},
        "user": {"id": user_id, "username": "leader", "name": "leader", "team_id": team_id},
        "api_app_id": "A0LEADERS", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "trigger_id": trigger_id(),
        "view": {**view, "id": "V0001", "team_id": team_id, "state": {"values": state},
                 "hash": "1700000002.abc", "previous_view_id": None, "root_view_id": "V0001",
                 "app_id": "A0LEADERS", "external_id": "",
                 "app_installed_team_id": team_id, "bot_id": "BBOT", "clear_on_close": False,
                 "notify_on_close": False},
        "response_urls": [], "is_enterprise_install": False, "enterprise": None,
    }
    return urlencode({"payload": json.dumps(payload)})


def event_callback(event: dict[str, Any], *, event_id: str, team_id: str = "T0001",
                   enterprise_id: str | None = None, is_enterprise_install: bool = False) -> str:
    """An Events API delivery; inside an Enterprise Grid org, `enterprise_id` (and for an org-wide install
    `is_enterprise_install`, whose authorization names no team)."""
    return json.dumps({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": team_id, "api_app_id": "A0LEADERS", "event": event,
        "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
        **({"enterprise_id": enterprise_id} if enterprise_id else {}),
        "authorizations": [{"enterprise_id": enterprise_id,
                            "team_id": None if is_enterprise_install else team_id, "user_id": "UBOT",
                            "is_bot": True, "is_enterprise_install": is_enterprise_install}],
        "is_ext_shared_channel": False, "event_context": "4-eyJldCI6ImFwcF9ob21lX29wZW5lZCJ9",
    })


async def post_signed(session: ClientSession, url: str, body: str, *, content_type: str,
                      headers: dict[str, str] | None = None, timestamp: int | None = None) -> tuple[int, str]:
    all_headers = {"Content-Type": content_type, **sign(body, timestamp), **(headers or {})}
    async with session.post(url, data=body.encode(), headers=all_headers) as response:
        return response.status, await response.text()


@dataclass
class RunningServer:
    """The real aiohttp app (adapters.server.build_app) listening on loopback, with a client session."""

    url: str
    session: ClientSession
    services: Any
    runner: web.AppRunner

    async def slash(self, text: str, user_id: str, **fields: Any) -> tuple[int, str]:
        body = slash_command(text, user_id=user_id, **fields)
        return await post_signed(self.session, f"{self.url}/slack/events", body,
                                 content_type="application/x-www-form-urlencoded")

    async def press(self, value: str, user_id: str, headers: dict[str, str] | None = None,
                    **fields: Any) -> tuple[int, str]:
        body = block_actions(value, user_id=user_id, **fields)
        return await post_signed(self.session, f"{self.url}/slack/events", body,
                                 content_type="application/x-www-form-urlencoded", headers=headers)

    async def submit_view(self, view: dict[str, Any], values: dict[str, str], user_id: str,
                          **fields: Any) -> tuple[int, str]:
        body = view_submission(view, values, user_id=user_id, **fields)
        return await post_signed(self.session, f"{self.url}/slack/events", body,
                                 content_type="application/x-www-form-urlencoded")

    async def event(self, event: dict[str, Any], event_id: str, headers: dict[str, str] | None = None,
                    **fields: Any) -> tuple[int, str]:
        body = event_callback(event, event_id=event_id, **fields)
        return await post_signed(self.session, f"{self.url}/slack/events", body,
                                 content_type="application/json", headers=headers)


async def start_server(database_url: str, fake: FakeSlack, **settings: Any) -> RunningServer:
    from adapters.bootstrap import build_services
    from adapters.server import build_app
    from directory.settings import Settings

    # Turns on the server's own threads unless a test asks for worker processes (test_slack_turn_processes):
    # a worker process would not see the fake clock a test installs in this one.
    values: dict[str, Any] = {"database_url": database_url, "slack_signing_secret": SIGNING_SECRET,
                              "slack_api_url": fake.api_url, "turn_processes": 0, **settings}
    if "slack_client_id" not in settings:
        values.setdefault("slack_bot_token", BOT_TOKEN)
    services = build_services(Settings(**values))
    runner = web.AppRunner(build_app(services), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return RunningServer(f"http://127.0.0.1:{port}", ClientSession(), services, runner)


async def stop_server(server: RunningServer) -> None:
    await server.session.close()
    await server.runner.cleanup()
    server.services.database.dispose()


def texts(blocks: list[dict[str, Any]]) -> str:
    """Everything a leader can read in some blocks, as one string (for 'sees X' assertions)."""
    return json.dumps(blocks, ensure_ascii=False)


@dataclass
class FakeSocketModeSlack(FakeSlack):
    """FakeSlack plus Socket Mode: `apps.connections.open` (app-level token checked) hands out a WebSocket
    URL on a second loopback server, as Slack's wss host is not its API host. Each connection gets
    `hello`, then every queued envelope; what the client sends back (the acks) is recorded."""

    app_token: str = "xapp-test"
    envelopes: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    acks: list[dict[str, Any]] = field(default_factory=list)
    ws_url: str = ""
    _ws_runner: web.AppRunner | None = None

    async def start(self) -> FakeSocketModeSlack:
        await super().start()
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._ws_runner = web.AppRunner(app, access_log=None)
        await self._ws_runner.setup()
        site = web.TCPSite(self._ws_runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.ws_url = f"ws://127.0.0.1:{port}/link"
        return self

    async def stop(self) -> None:
        if self._ws_runner is not None:
            await self._ws_runner.shutdown()  # closes open WebSockets so cleanup does not wait on them
            await self._ws_runner.cleanup()
        await super().stop()

    def _answer(self, method: str, body: dict[str, Any], authorization: str) -> dict[str, Any]:
        if method != "apps.connections.open":
            return super()._answer(method, body, authorization)
        if authorization != f"Bearer {self.app_token}":
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.ws_url}

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()  # answers the client's pings (autoping)
        await socket.prepare(request)
        self.connections += 1
        await self._notify()
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "debug_info": {"host": "applink-fake", "build_number": 1,
                                               "approximate_connection_time": 18060},
                                "connection_info": {"app_id": "A0LEADERS"}})
        for envelope in self.envelopes:
            await socket.send_json(envelope)
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
                await self._notify()
        return socket


def socket_mode_envelope(envelope_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One Socket Mode envelope as Slack sends it over the WebSocket."""
    return {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True,
            **({"retry_attempt": 0, "retry_reason": ""} if kind == "events_api" else {})}


def slash_command_payload(text: str, **fields: Any) -> dict[str, Any]:
    """The `/leaders` command as a Socket Mode payload: the same fields as the HTTP form, as JSON."""
    return dict(parse_qsl(slash_command(text, **fields), keep_blank_values=True))
