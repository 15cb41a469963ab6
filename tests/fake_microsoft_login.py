"""A fake Microsoft identity platform for Sign in with Microsoft: OpenID metadata, authorize and token.

It plays the browser-facing part of an authorisation-code flow with PKCE honestly: `/authorize` remembers
the request (client, redirect URI, state, nonce, code challenge) and redirects back with a one-time code;
`/token` redeems the code only with the right client secret, redirect URI and PKCE verifier, and returns
an RS256 ID token with the nonce and the claims the test chose (`tid`, `oid`, `email`). Served over TLS
under an AD FS-style path, which is the one kind of authority msal accepts without asking Microsoft's
instance discovery (see FakeTokenServer).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes_teams import ThreadedServer, self_signed_tls

CLIENT_ID = "99999999-8888-7777-6666-555555555555"
CLIENT_SECRET = "sign-in-client-secret"
ALLOWED_TENANT = "0b1c2d3e-aaaa-bbbb-cccc-000000000001"


@dataclass
class Person:
    """Who signs in at the fake: the claims their ID token will carry."""

    email: str  # the UPN (`preferred_username`): a name in a domain the tenant has verified
    oid: str = "oid-0001"
    tid: str = ALLOWED_TENANT
    email_claim: str = ""  # the optional `email` claim, when it differs from the UPN
    email_domain_verified: bool | None = None  # `xms_edov`, sent only when not None


@dataclass
class FakeMicrosoftLogin:
    directory: Any
    person: Person | None = None  # who is "at the keyboard" when /authorize is visited
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        context, self.cert_path = self_signed_tls(self.directory, "login")
        self.server = ThreadedServer(self._app(), context)

    def start(self) -> FakeMicrosoftLogin:
        self.server.start()
        return self

    @property
    def authority(self) -> str:
        return self.server.url + "/adfs"

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/adfs/.well-known/openid-configuration", self._openid)
        app.router.add_get("/adfs/oauth2/authorize", self._authorize)
        app.router.add_post("/adfs/oauth2/token", self._token)
        return app

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": self.authority,
                                  "authorization_endpoint": self.authority + "/oauth2/authorize",
                                  "token_endpoint": self.authority + "/oauth2/token",
                                  "response_types_supported": ["code"],
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _authorize(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.authorize_requests.append(query)
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256" and "openid" in query["scope"].split()
        if self.person is None:  # the person pressed Cancel at Microsoft
            answer = {"error": "access_denied", "error_description": "The user cancelled.",
                      "state": query["state"]}
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"query": query, "person": self.person}
            answer = {"code": code, "state": query["state"]}
        if query.get("response_mode") == "form_post":  # a page whose script posts the answer back
            inputs = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                             for k, v in answer.items())
            return web.Response(content_type="text/html", text=(
                f'<html><body onload="document.forms[0].submit()"><form method="post" '
                f'action="{escape(query["redirect_uri"])}">{inputs}</form></body></html>'))
        raise web.HTTPFound(f"{query['redirect_uri']}?{urlencode(answer)}")

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append({k: v for k, v in form.items() if isinstance(v, str)})
        grant = self.codes.pop(str(form.get("code", "")), None)  # a code works once
        if grant is None:
            return web.json_response({"error": "invalid_grant", "error_description": "bad code"}, status=400)
        query = grant["query"]
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET
                or form.get("redirect_uri") != query["redirect_uri"] or challenge != query["code_challenge"]):
            return web.json_response({"error": "invalid_client"}, status=401)
        person: Person = grant["person"]
        now = int(time.time())
        id_token = jwt.encode({"iss": self.authority, "aud": CLIENT_ID, "iat": now, "nbf": now,
                               "exp": now + 3600, "nonce": query.get("nonce"), "tid": person.tid,
                               "oid": person.oid, "sub": "sub-" + person.oid,
                               "email": person.email_claim or person.email,
                               "preferred_username": person.email, "name": "Signed In Person",
                               **({} if person.email_domain_verified is None
                                  else {"xms_edov": person.email_domain_verified})},
                              self.key, algorithm="RS256", headers={"kid": "login-key"})
        return web.json_response({"token_type": "Bearer", "scope": query["scope"], "expires_in": 3600,
                                  "access_token": "fake-access-token", "id_token": id_token})

    def stop(self) -> None:
        self.server.stop()
