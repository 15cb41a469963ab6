"""The Teams tab's SSO token checks, against a local Entra key set over HTTP.

Each forged or misdirected token is refused with its reason; a good one (v2 or v1 form) proves the
tenant and object id. The HTTP journey (`/tab/session` starts a session, or refuses with none) is in
tests/test_tab_pages.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from adapters.web.tab_token import KeysUnavailable, MicrosoftKeys, TabTokenRefused, TabTokenVerifier
from directory.clock import FakeClock
from tests.fake_entra import KIM_OID as OID
from tests.fake_entra import OTHER_TENANT, RESOURCE, FakeEntra, forge
from tests.fakes_teams import APP_ID, TENANT


@pytest.fixture
def verifier(entra: FakeEntra) -> TabTokenVerifier:
    return TabTokenVerifier(APP_ID, RESOURCE, frozenset({TENANT}), MicrosoftKeys(entra.metadata_url))


async def refused(verifier: TabTokenVerifier, token: str) -> str:
    with pytest.raises(TabTokenRefused) as caught:
        await verifier.verify(token)
    return caught.value.reason


async def test_a_good_v2_token_proves_the_tenant_and_object_id(entra: FakeEntra,
                                                               verifier: TabTokenVerifier) -> None:
    who = await verifier.verify(entra.mint(OID.upper(), "kim@nhs.net"))
    assert (who.tenant, who.object_id, who.upn) == (TENANT, OID, "kim@nhs.net")


async def test_a_v1_token_with_the_resource_as_audience_is_accepted(entra: FakeEntra,
                                                                    verifier: TabTokenVerifier) -> None:
    token = entra.mint(OID, None, aud=RESOURCE, iss=f"https://sts.windows.net/{TENANT}/", ver="1.0",
                       upn="kim@nhs.net")  # v1 tokens name the person by `upn`
    who = await verifier.verify(token)
    assert (who.object_id, who.upn) == (OID, "kim@nhs.net")


@pytest.mark.parametrize("issuer", [
    "https://login.microsoftonline.com/{other}/v2.0",  # another tenant's issuer for our tenant's tid
    "https://sts.windows.net/{other}/",
    "https://login.microsoftonline.com/common/v2.0",
    "https://api.botframework.com",  # a Bot Framework channel token is not a tab token
    "https://login.microsoftonline.com/{tenant}/v2.0/evil",
])
async def test_a_wrong_issuer_is_refused(entra: FakeEntra, verifier: TabTokenVerifier, issuer: str) -> None:
    token = entra.mint(OID, "kim@nhs.net", iss=issuer.format(other=OTHER_TENANT, tenant=TENANT))
    assert await refused(verifier, token) == "issuer"


@pytest.mark.parametrize("audience", ["00000003-0000-0000-c000-000000000000",  # Microsoft Graph's
                                      f"api://{APP_ID}", "api://evil.example/botid-" + APP_ID])
async def test_a_token_for_another_audience_is_refused(entra: FakeEntra, verifier: TabTokenVerifier,
                                                       audience: str) -> None:
    assert await refused(verifier, entra.mint(OID, "kim@nhs.net", aud=audience)) == "audience"


async def test_an_expired_token_is_refused(entra: FakeEntra, verifier: TabTokenVerifier,
                                           clock: FakeClock) -> None:
    token = entra.mint(OID, "kim@nhs.net")
    clock.advance(hours=1, minutes=2)  # an hour's token, a minute of skew, and a minute more
    assert await refused(verifier, token) == "expired"


async def test_a_token_not_valid_yet_is_refused(entra: FakeEntra, verifier: TabTokenVerifier,
                                                clock: FakeClock) -> None:
    later = int((clock.now() + timedelta(minutes=10)).timestamp())
    assert await refused(verifier, entra.mint(OID, "kim@nhs.net", nbf=later)) == "not_yet_valid"


async def test_a_token_from_a_tenant_we_do_not_admit_is_refused(entra: FakeEntra,
                                                                verifier: TabTokenVerifier) -> None:
    assert await refused(verifier, entra.mint(OID, "kim@nhs.net", tid=OTHER_TENANT)) == "tenant"


async def test_an_app_only_token_without_the_user_scope_is_refused(entra: FakeEntra,
                                                                   verifier: TabTokenVerifier) -> None:
    assert await refused(verifier, entra.mint(OID, None, scp=None, roles=["Directory.Read"])) == "scope"
    assert await refused(verifier, entra.mint(OID, None, scp="User.Read")) == "scope"


async def test_a_tampered_token_is_refused(entra: FakeEntra, verifier: TabTokenVerifier) -> None:
    signature = entra.mint(OID, "kim@nhs.net").split(".")[2]
    tampered = forge({"alg": "RS256", "typ": "JWT", "kid": entra.kid},
                     entra.claims("b0b0b0b0-0000-4000-8000-000000000000", "boss@nhs.net"),
                     base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    assert await refused(verifier, tampered) == "signature"


async def test_a_token_signed_by_a_key_microsoft_does_not_publish_is_refused(
        entra: FakeEntra, verifier: TabTokenVerifier) -> None:
    assert await refused(verifier, entra.mint(OID, "kim@nhs.net", key=entra.other_key)) == "signature"
    assert await refused(verifier, entra.mint(OID, "kim@nhs.net", key=entra.other_key,
                                              kid="made-up")) == "unknown_key"


async def test_alg_none_and_hmac_with_the_public_key_are_refused(entra: FakeEntra,
                                                                 verifier: TabTokenVerifier) -> None:
    assert await refused(verifier, entra.unsigned(OID, "kim@nhs.net")) == "algorithm"
    # The classic key-confusion forgery: HS256 "signed" with the published public key as the secret.
    public_pem = entra.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": entra.kid}
    unsigned = forge(header, entra.claims(OID, "kim@nhs.net"), b"").rstrip(".")
    mac = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()
    assert await refused(verifier, forge(header, entra.claims(OID, "kim@nhs.net"), mac)) == "algorithm"


@pytest.mark.parametrize("token", ["", "not a token", "a.b.c", "x" * 20_000, "e30.e30.", "...."])
async def test_garbage_is_refused_as_malformed(verifier: TabTokenVerifier, token: str) -> None:
    assert await refused(verifier, token) in {"malformed", "algorithm"}


async def test_a_token_without_an_object_id_is_refused(entra: FakeEntra, verifier: TabTokenVerifier) -> None:
    assert await refused(verifier, entra.mint(None, "kim@nhs.net")) == "claims"  # type: ignore[arg-type]


async def test_unknown_key_ids_do_not_make_us_refetch_microsofts_keys_each_time(
        entra: FakeEntra, verifier: TabTokenVerifier) -> None:
    await verifier.verify(entra.mint(OID, "kim@nhs.net"))
    for number in range(5):
        await refused(verifier, entra.mint(OID, "kim@nhs.net", kid=f"rolled-{number}"))
    assert entra.key_requests == 1


async def test_keys_that_cannot_be_fetched_are_not_a_refusal(entra: FakeEntra) -> None:
    verifier = TabTokenVerifier(APP_ID, RESOURCE, frozenset({TENANT}),
                                MicrosoftKeys("http://127.0.0.1:9/nothing-listens-here"))
    with pytest.raises(KeysUnavailable):
        await verifier.verify(entra.mint(OID, "kim@nhs.net"))
