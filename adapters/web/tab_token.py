"""What a Teams tab's SSO token proves: Microsoft Entra's signature, issuer, audience, time and tenant.

Inside the Teams tab, `microsoftTeams.authentication.getAuthToken()` hands the page an Entra access token
issued *to this app* (the audience is our app id, or its Application ID URI for a v1 token) for the
person signed in to Teams. The page posts it to `/tab/session`; this module decides whether to believe it:

- the signature: RS256 only (never `none`, never a shared-secret algorithm that would let the public key
  act as an HMAC secret), by a key Microsoft publishes at the `jwks_uri` of its OpenID metadata
  (`LEADERS_TAB_OPENID_METADATA_URL`; tests point it at a local server);
- the issuer: Entra's v2 form `https://login.microsoftonline.com/{tid}/v2.0` or the v1 form
  `https://sts.windows.net/{tid}/`, for the tenant the token itself names (`tid`) — so a token from one
  tenant cannot claim another's;
- the audience: the app id or `api://{our host}/botid-{app id}` (the form Microsoft documents for a bot
  and a tab sharing one app registration);
- time: `exp` and `nbf` against the application's clock (60 s of skew allowed);
- a delegated token for a person: `scp` includes `access_as_user` (an app-only token has no `scp`, and its
  `oid` is a service principal, not a leader);
- the tenant: one of LEADERS_ALLOWED_TENANTS.

The claims that pass become a `TabIdentity`; who that is in the directory is decided elsewhere (the same
account links the bot uses). Nothing of the token is logged: only why it was refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from directory import clock

log = logging.getLogger(__name__)
TAB_PATH = "/tab"  # the personal tab's contentUrl, under LEADERS_PUBLIC_URL
PUBLIC_METADATA_URL = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
SCOPE = "access_as_user"
SKEW = timedelta(seconds=60)
MAX_TOKEN_CHARS = 16_000  # Entra access tokens are a few kilobytes; anything far larger is not one
_REFRESH_AT_MOST_EVERY = 60.0  # seconds between key-set fetches caused by an unknown `kid`
_KEYS_GO_STALE_AFTER = 24 * 3600.0


class TabTokenRefused(Exception):
    """The token is not one we accept. `reason` is a short code for the audit log and the server log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(Exception):
    """Microsoft's key set could not be fetched or read: answered 503, never taken as a refusal."""


@dataclass(frozen=True)
class TabIdentity:
    """Who the token says is in the tab: the Entra tenant and object id (the same pair the bot sees as a
    Teams account), and the sign-in names the tenant issued (UPN), which count only where that tenant may
    vouch for the domain."""

    tenant: str
    object_id: str
    upn: str
    name: str


def resource_for(host: str, app_id: str) -> str:
    """The Application ID URI Microsoft documents for an app whose bot and tab share one registration."""
    return f"api://{host}/botid-{app_id}"


def issuers_for(tenant: str) -> frozenset[str]:
    return frozenset({f"https://login.microsoftonline.com/{tenant}/v2.0", f"https://sts.windows.net/{tenant}/"})


class MicrosoftKeys:
    """Microsoft's token-signing keys, by `kid`, fetched from the OpenID metadata's `jwks_uri`.

    Microsoft rolls its keys without notice, so an unknown `kid` triggers a refetch — at most once a
    minute, so a stream of tokens with made-up key ids cannot make us hammer Microsoft.
    """

    def __init__(self, metadata_url: str = PUBLIC_METADATA_URL) -> None:
        self.metadata_url = metadata_url
        self._keys: dict[str, RSAPublicKey] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> RSAPublicKey | None:
        async with self._lock:
            now = time.monotonic()
            stale = self._fetched_at is None or now - self._fetched_at > _KEYS_GO_STALE_AFTER
            may_refresh = self._fetched_at is None or now - self._fetched_at > _REFRESH_AT_MOST_EVERY
            if stale or (kid not in self._keys and may_refresh):
                self._keys = await self._fetch()
                self._fetched_at = now
            return self._keys.get(kid)

    async def _fetch(self) -> dict[str, RSAPublicKey]:
        try:
            timeout = aiohttp.ClientTimeout(total=10)
            async with aiohttp.ClientSession(timeout=timeout) as http:
                async with http.get(self.metadata_url) as response:
                    response.raise_for_status()
                    jwks_uri = (await response.json(content_type=None))["jwks_uri"]
                async with http.get(str(jwks_uri)) as response:
                    response.raise_for_status()
                    key_set = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as error:
            log.warning("cannot fetch Microsoft's signing keys: %s", type(error).__name__)
            raise KeysUnavailable from None
        keys: dict[str, RSAPublicKey] = {}
        for entry in key_set.get("keys", []) if isinstance(key_set, dict) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry, algorithm="RS256").key
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
                continue
            if isinstance(key, RSAPublicKey) and isinstance(entry.get("kid"), str):
                keys[entry["kid"]] = key
        if not keys:
            log.warning("Microsoft's key set at %s held no usable RSA signing key", self.metadata_url[:100])
            raise KeysUnavailable
        return keys


class TabTokenVerifier:
    """Checks tab SSO tokens for one app registration and one set of admitted tenants."""

    def __init__(self, app_id: str, resource: str, allowed_tenants: frozenset[str],
                 keys: MicrosoftKeys) -> None:
        self.audiences = [app_id, resource]
        self.allowed_tenants = allowed_tenants
        self.keys = keys

    async def verify(self, token: str) -> TabIdentity:
        """The identity the token proves; TabTokenRefused (with a reason) or KeysUnavailable otherwise."""
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise TabTokenRefused("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise TabTokenRefused("malformed") from None
        if header.get("alg") != "RS256":
            raise TabTokenRefused("algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise TabTokenRefused("unknown_key")
        key = await self.keys.key(kid)
        if key is None:
            raise TabTokenRefused("unknown_key")
        try:
            # Time is checked below against the application's clock, not PyJWT's reading of the system one.
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.audiences,
                                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                                         "verify_iss": False, "require": ["exp", "iss", "aud", "tid", "oid"]})
        except jwt.InvalidSignatureError:
            raise TabTokenRefused("signature") from None
        except jwt.InvalidAudienceError:
            raise TabTokenRefused("audience") from None
        except jwt.MissingRequiredClaimError:
            raise TabTokenRefused("claims") from None
        except jwt.InvalidTokenError:
            raise TabTokenRefused("malformed") from None
        return self._check_claims(claims)

    def _check_claims(self, claims: Mapping[str, Any]) -> TabIdentity:
        tenant = _text(claims.get("tid")).lower()
        if not tenant or _text(claims.get("iss")).lower() not in issuers_for(tenant):
            raise TabTokenRefused("issuer")
        now = clock.now().timestamp()
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if not isinstance(exp, int | float) or isinstance(exp, bool) or exp <= now - SKEW.total_seconds():
            raise TabTokenRefused("expired")
        if nbf is not None and (not isinstance(nbf, int | float) or nbf > now + SKEW.total_seconds()):
            raise TabTokenRefused("not_yet_valid")
        if SCOPE not in _text(claims.get("scp")).split():
            raise TabTokenRefused("scope")
        if tenant not in self.allowed_tenants:
            raise TabTokenRefused("tenant")
        oid = _text(claims.get("oid")).lower()
        if not oid:
            raise TabTokenRefused("claims")
        upn = _text(claims.get("preferred_username")) or _text(claims.get("upn"))
        return TabIdentity(tenant=tenant, object_id=oid, upn=upn if "@" in upn else "",
                           name=_text(claims.get("name"))[:200])


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""

