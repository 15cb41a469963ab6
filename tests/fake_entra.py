"""A local Microsoft Entra for the Teams tab's SSO: OpenID metadata, a key set, and a minter of the access
tokens `microsoftTeams.authentication.getAuthToken()` hands a tab.

Served over real HTTP on loopback (its own thread and loop, as the other identity fakes). Tokens carry the
claims Entra puts in a v2 access token for a tab (`aud` the app id, `iss` the tenant's v2 issuer, `scp`
`access_as_user`, `tid`, `oid`, `preferred_username`), stamped relative to the test clock's FIXED_NOW so
no test depends on today's date. `mint(**overrides)` changes or (with None) drops any claim.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes_teams import APP_ID, TENANT, ThreadedServer

PUBLIC_HOST = "leaders.example.gov.uk"
RESOURCE = f"api://{PUBLIC_HOST}/botid-{APP_ID}"
# Kim, whose Teams account the tab tests sign in, and a tenant Leaders Connect does not admit.
KIM, KIM_OID = "kim.lee@nhs.net", "5b0c3f7e-1111-4a2b-9c3d-0123456789ab"
OTHER_TENANT = "9d4c2a1b-0000-4bbb-8ccc-fedcba987654"


def tab_settings(entra: FakeEntra) -> dict[str, str]:
    """The server's settings for the tab: the app registration, the test tenant owning nhs.net, and
    Microsoft's keys at the local Entra."""
    return {"microsoft_app_id": APP_ID, "microsoft_app_password": "test-secret",
            "microsoft_app_tenant_id": TENANT, "allowed_tenants": TENANT,
            "tenant_domains": f"{TENANT}:nhs.net", "tab_openid_metadata_url": entra.metadata_url}


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class FakeEntra:
    def __init__(self, now: datetime) -> None:
        self.now = int(now.timestamp())
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # not published
        self.kid = "entra-test-key"
        self.key_requests = 0
        self.server = ThreadedServer(self._app())

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/common/v2.0/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/common/discovery/v2.0/keys", self._keys)
        return app

    async def _metadata(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
                                  "jwks_uri": self.server.url + "/common/discovery/v2.0/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, request: web.Request) -> web.Response:
        self.key_requests += 1
        numbers = self.key.public_key().public_numbers()
        return web.json_response({"keys": [
            {"kty": "RSA", "use": "sig", "kid": self.kid, "n": _b64(numbers.n), "e": _b64(numbers.e),
             "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"},
            {"kty": "EC", "use": "sig", "kid": "not-rsa", "crv": "P-256", "x": "AA", "y": "AA"}]})

    @property
    def metadata_url(self) -> str:
        return self.server.url + "/common/v2.0/.well-known/openid-configuration"

    def claims(self, oid: str, username: str | None = None, **overrides: Any) -> dict[str, Any]:
        tenant = overrides.pop("tid", TENANT)
        claims: dict[str, Any] = {
            "aud": APP_ID, "iss": f"https://login.microsoftonline.com/{tenant}/v2.0",
            "iat": self.now - 60, "nbf": self.now - 60, "exp": self.now + 3600, "ver": "2.0",
            "tid": tenant, "oid": oid, "scp": "access_as_user", "name": "Test Person",
            "azp": "1fec8e78-bce4-4aaf-ab1b-5451cc387264",  # the Teams web/desktop client
            "preferred_username": username}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(self, oid: str, username: str | None = None, *, key: Any = None, kid: str | None = None,
             **overrides: Any) -> str:
        return jwt.encode(self.claims(oid, username, **overrides), key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})

    def unsigned(self, oid: str, username: str | None = None) -> str:
        return jwt.encode(self.claims(oid, username), None, algorithm="none", headers={"kid": self.kid})


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    """A JWT put together by hand, for forgeries no library will sign."""
    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return ".".join((part(json.dumps(header).encode()), part(json.dumps(claims).encode()), part(signature)))
