"""Fakes for the Teams tests: a Bot Connector, an OpenID/JWKS + token server, and Teams-shaped activities.

The fakes are real HTTP servers on loopback, each in its own thread and event loop: the SDK fetches the
OpenID metadata and its outbound token with blocking `requests` calls, which would deadlock a fake
sharing the bot's event loop. Activity payloads follow the shapes Teams documents.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import itertools
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
APP_ID = "11111111-2222-3333-4444-555555555555"
BOT_ID = f"28:{APP_ID}"


def self_signed_tls(directory: Any, name: str) -> tuple[ssl.SSLContext, str]:
    """A TLS context for 127.0.0.1 with a fresh self-signed certificate, and the certificate's path (for
    REQUESTS_CA_BUNDLE: msal speaks only https)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_path, cert_path = directory / f"{name}.key", str(directory / f"{name}.pem")
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, str(key_path))
    return context, cert_path


class ThreadedServer:
    """An aiohttp app served on 127.0.0.1 from a background thread."""

    def __init__(self, app: web.Application, ssl_context: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.url = ""

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=self.ssl_context)
        self.loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"{'https' if self.ssl_context else 'http'}://127.0.0.1:{port}"
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())

    def start(self) -> ThreadedServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@dataclass
class Member:
    id: str  # the "29:…" id Teams addresses the user by
    aad_object_id: str
    name: str
    email: str | None
    upn: str | None = None

    def json(self) -> dict[str, Any]:
        body = {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id, "tenantId": TENANT,
                "givenName": self.name.split()[0], "surname": self.name.split()[-1], "userRole": "user"}
        if self.email:
            body["email"] = self.email
        if self.upn or self.email:
            body["userPrincipalName"] = self.upn or self.email
        return body


MAX_MESSAGE_UTF16_BYTES = 100_000  # Teams refuses a bigger message: 413 MessageSizeTooBig


def utf16_size(body: Any) -> int:
    """A message's size as Teams counts it: its JSON text encoded as UTF-16."""
    return len(json.dumps(body, ensure_ascii=False).encode("utf-16-le"))


@dataclass
class FakeConnector:
    """The Bot Connector: records every call; `fail_next` answers the next calls with (status, headers)
    or (status, headers, error code) — the code defaults to `Throttled`. Like Teams, it refuses a
    message over 100 KB in UTF-16 (413 `MessageSizeTooBig`), and keeps each message it accepted under
    (conversation id, activity id), so an update (PUT) changes the one it names — or 404s."""

    members: dict[str, Member] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[tuple[Any, ...]] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # user id -> the moments the worker let sends to them go (tests.delivery_helpers.stamped): a posted
    # activity's `at` is that moment rather than its arrival, as in tests.delivery_fakes.LimitedSlack
    departures: dict[str, list[float]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v3/conversations", self.create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self.post_activity)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self.post_activity)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self.update_activity)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self.get_member)
        return app

    async def _record(self, request: web.Request) -> web.Response | None:
        body = await request.json() if request.can_read_body else None
        at = time.time()
        if request.method == "POST" and "/activities" in request.path and isinstance(body, dict):
            user = str((body.get("recipient") or {}).get("id", "")).removeprefix("29:")
            if self.departures.get(user):
                at = self.departures[user].pop(0)
        self.calls.append({"method": request.method, "path": request.path, "body": body,
                           "authorization": request.headers.get("Authorization"), "at": at})
        if self.fail_next:
            status, headers, *code = self.fail_next.pop(0)
            return web.json_response({"error": {"code": code[0] if code else "Throttled", "message": "no"}},
                                     status=status, headers=headers)
        return None

    async def post_activity(self, request: web.Request) -> web.Response:
        failed = await self._record(request)
        if failed:
            return failed
        body = self.calls[-1]["body"]
        if utf16_size(body) > MAX_MESSAGE_UTF16_BYTES:
            return _too_big()
        activity_id = f"activity-{next(self._ids)}"
        self.messages[(request.match_info["cid"], activity_id)] = body
        return web.json_response({"id": activity_id})

    async def update_activity(self, request: web.Request) -> web.Response:
        failed = await self._record(request)
        if failed:
            return failed
        key = (request.match_info["cid"], request.match_info["aid"])
        if key not in self.messages:
            return web.json_response({"error": {"code": "ActivityNotFound", "message": "no"}}, status=404)
        body = self.calls[-1]["body"]
        if utf16_size(body) > MAX_MESSAGE_UTF16_BYTES:
            return _too_big()
        self.messages[key] = body
        return web.json_response({"id": key[1]})

    async def create_conversation(self, request: web.Request) -> web.Response:
        failed = await self._record(request)
        if failed:
            return failed
        return web.json_response({"id": f"a:1personal-{next(self._ids)}", "activityId": "", "serviceUrl": ""})

    async def get_member(self, request: web.Request) -> web.Response:
        await self._record(request)
        member = self.members.get(request.match_info["uid"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(member.json())

    def depart(self, user_id: str, at: float) -> None:
        """The worker let a send to `user_id` go at `at` (epoch seconds)."""
        self.departures.setdefault(user_id, []).append(at)

    def posted(self) -> list[dict[str, Any]]:
        """The activities the bot sent (replies and proactive messages), oldest first."""
        return [c["body"] for c in self.calls if c["method"] == "POST" and "/activities" in c["path"]]

    def updated(self) -> list[dict[str, Any]]:
        """The calls that changed a message already sent (`update_activity`), oldest first."""
        return [c for c in self.calls if c["method"] == "PUT"]


def _too_big() -> web.Response:
    return web.json_response({"error": {"code": "MessageSizeTooBig", "message": "too big"}}, status=413)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class FakeIdentityServer:
    """OpenID metadata + JWKS (what Bot Framework publishes for its channel tokens), and a token minter."""

    def __init__(self, issuer: str = "https://api.botframework.test") -> None:
        self.issuer = issuer
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.metadata_requests = 0
        self.server = ThreadedServer(self._app())

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        return app

    async def _metadata(self, request: web.Request) -> web.Response:
        self.metadata_requests += 1
        return web.json_response({"issuer": self.issuer, "jwks_uri": self.server.url + "/v1/.well-known/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, request: web.Request) -> web.Response:
        numbers = self.key.public_key().public_numbers()
        return web.json_response({"keys": [{"kty": "RSA", "use": "sig", "kid": self.kid, "n": _b64(numbers.n),
                                            "e": _b64(numbers.e), "endorsements": ["msteams"]}]})

    @property
    def metadata_url(self) -> str:
        return self.server.url + "/v1/.well-known/openidconfiguration"

    def mint(self, service_url: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 60,
                  "iat": now - 60, "exp": now + 3600}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def unsigned(self, service_url: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": APP_ID, "serviceurl": service_url, "exp": now + 3600}
        return jwt.encode(claims, None, algorithm="none", headers={"kid": self.kid})


class FakeTokenServer:
    """The Microsoft Entra token endpoint the bot's outbound token comes from (msal's client credentials).

    msal insists on https and, for hosts it does not know, on instance discovery at Microsoft — except for
    an AD FS-style authority (`…/adfs`), which it trusts as configured. So this serves TLS with a
    self-signed certificate that the test trusts through REQUESTS_CA_BUNDLE, under `/adfs`.
    """

    ACCESS_TOKEN = "fake-outbound-token"

    def __init__(self, directory: Any) -> None:
        self.requests: list[dict[str, str]] = []
        context, self.cert_path = self_signed_tls(directory, "token-server")
        self.server = ThreadedServer(self._app(), context)

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/adfs/.well-known/openid-configuration", self._openid)
        app.router.add_post("/adfs/oauth2/token", self._token)
        return app

    async def _openid(self, request: web.Request) -> web.Response:
        base = self.server.url + "/adfs"
        return web.json_response({"issuer": base, "authorization_endpoint": base + "/oauth2/authorize",
                                  "token_endpoint": base + "/oauth2/token"})

    async def _token(self, request: web.Request) -> web.Response:
        self.requests.append(dict(await request.post()))
        return web.json_response({"access_token": self.ACCESS_TOKEN, "token_type": "Bearer",
                                  "expires_in": 3600})

    @property
    def login_url(self) -> str:
        return self.server.url + "/adfs"


# --- activities, shaped as Teams sends them -----------------------------------------------------------

def _base(service_url: str, member: Member, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": f"1{uuid.uuid4().int % 10**12}", "channelId": "msteams", "serviceUrl": service_url,
        "timestamp": "2026-11-26T10:00:00.000Z", "localTimestamp": "2026-11-26T10:00:00.000+00:00",
        "from": {"id": member.id, "name": member.name, "aadObjectId": member.aad_object_id},
        "recipient": {"id": BOT_ID, "name": "Leaders Connect"},
        "conversation": conversation, "locale": "en-GB",
        "channelData": {"tenant": {"id": TENANT}}, **extra}


def personal(member: Member) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT, "id": f"a:1personal-{member.aad_object_id}"}


def message(service_url: str, member: Member, text: str) -> dict[str, Any]:
    return _base(service_url, member, personal(member), type="message", text=text, textFormat="plain",
                 entities=[{"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web"}])


def channel_mention(service_url: str, member: Member, words: str) -> dict[str, Any]:
    conversation = {"isGroup": True, "conversationType": "channel", "tenantId": TENANT,
                    "id": "19:abc123@thread.tacv2;messageid=1700000000000"}
    activity = _base(service_url, member, conversation, type="message",
                     text=f"<at>Leaders Connect</at> {words}", textFormat="plain",
                     entities=[{"type": "mention", "text": "<at>Leaders Connect</at>",
                                "mentioned": {"id": BOT_ID, "name": "Leaders Connect"}}])
    activity["channelData"].update({"teamsChannelId": "19:abc123@thread.tacv2",
                                    "teamsTeamId": "19:team@thread.tacv2",
                                    "channel": {"id": "19:abc123@thread.tacv2"},
                                    "team": {"id": "19:team@thread.tacv2"}})
    return activity


def submit(service_url: str, member: Member, data: dict[str, Any]) -> dict[str, Any]:
    """What Teams posts when an `Action.Submit` button is pressed: a message with `value`, no text."""
    return _base(service_url, member, personal(member), type="message", value=data,
                 replyToId="1700000000001")


def card_execute(service_url: str, member: Member, verb: str, data: dict[str, Any], *,
                 trigger: str = "manual", conversation: dict[str, Any] | None = None,
                 reply_to: str = "1700000000001") -> dict[str, Any]:
    """`Action.Execute` pressed (`trigger: manual`), or run by Teams to refresh a card as it is shown to
    this member (`automatic`): an `adaptiveCard/action` invoke, in their 1:1 chat unless told otherwise."""
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": trigger}
    return _base(service_url, member, conversation or personal(member), type="invoke",
                 name="adaptiveCard/action", value=value, replyToId=reply_to)


def group_chat() -> dict[str, Any]:
    return {"conversationType": "groupChat", "tenantId": TENANT, "id": "19:group@thread.v2", "isGroup": True}


def extension_query(service_url: str, member: Member, words: str,
                    command_id: str = "searchPeople") -> dict[str, Any]:
    value = {"commandId": command_id, "parameters": [{"name": "query", "value": words}],
             "queryOptions": {"skip": 0, "count": 25}}
    conversation = {"conversationType": "groupChat", "tenantId": TENANT, "id": "19:group@thread.v2"}
    return _base(service_url, member, conversation, type="invoke", name="composeExtension/query",
                 value=value)


def bot_installed(service_url: str, member: Member) -> dict[str, Any]:
    return _base(service_url, member, personal(member), type="conversationUpdate",
                 membersAdded=[{"id": BOT_ID}])
