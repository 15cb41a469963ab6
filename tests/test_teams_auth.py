"""Teams authentication for real: JWTs minted with a test key, published by a local OpenID/JWKS server
the SDK is pointed at; a valid token passes, anything else is a 401 before the bot runs. The bot's own
outbound token comes from a local token endpoint through msal, as it would from Microsoft Entra."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from adapters.teams.config import BotFrameworkEndpoints
from directory.database import Database
from directory.models import ChatAccount
from directory.settings import Settings
from tests import fakes_teams as teams
from tests.fakes_teams import APP_ID, TENANT, FakeIdentityServer, FakeTokenServer, Member
from tests.helpers import load_sample
from tests.teams_server import CLEAN_ENV, TENANT_DOMAINS, post, running

KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")


@pytest.fixture
def secured(db: Database, monkeypatch: pytest.MonkeyPatch, identity, token_server):  # type: ignore[no-untyped-def]
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    load_sample(db)
    # SingleTenant (the default): the bot's tokens come from its own tenant's authority.
    settings = Settings(LEADERS_DATABASE_URL=db.url, MICROSOFT_APP_ID=APP_ID,  # type: ignore[call-arg]
                        MICROSOFT_APP_PASSWORD="app-secret", MICROSOFT_APP_TENANT_ID=TENANT,
                        LEADERS_ALLOWED_TENANTS=teams.TENANT, LEADERS_TENANT_DOMAINS=TENANT_DOMAINS,
                        LEADERS_TEAMS_SERVICE_URL_HOSTS="127.0.0.1", _env_file=None)
    endpoints = BotFrameworkEndpoints(identity.metadata_url, identity.issuer, token_server.login_url)
    return running(settings, endpoints)


async def test_a_valid_token_passes_and_the_reply_carries_the_bots_own_token(
        secured, connector, identity, token_server, db) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with secured as (base, _, _):
        status, _ = await post(base, teams.message(url, KIM, "find chief nurse"), identity.mint(url))
    assert status == 201
    reply = fake.posted()[-1]
    assert reply["summary"] == "3 leaders match “chief nurse”"
    assert {c["authorization"] for c in fake.calls} == {f"Bearer {FakeTokenServer.ACCESS_TOKEN}"}
    assert token_server.requests[0]["client_id"] == APP_ID
    assert token_server.requests[0]["client_secret"] == "app-secret"
    assert token_server.requests[0]["scope"] == "https://api.botframework.com/.default"
    with db.session() as session:
        assert len(session.scalars(select(ChatAccount)).all()) == 1


def _refused_tokens(identity: FakeIdentityServer, url: str) -> dict[str, str | None]:
    other = FakeIdentityServer(identity.issuer)  # same issuer and key id, a different (unpublished) key
    return {
        "missing": None,
        "wrong audience": identity.mint(url, aud="someone-elses-app"),
        "wrong issuer": identity.mint(url, iss="https://evil.example.com"),
        "expired": identity.mint(url, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200,
                                 nbf=int(time.time()) - 7200),
        "unsigned (alg none)": identity.unsigned(url),
        "signed with another key": other.mint(url),
        "for another service url": identity.mint(url, serviceurl="https://smba.trafficmanager.net/uk/"),
        "garbage": "not-a-jwt",
    }


async def test_bad_tokens_are_refused_before_the_bot_runs(secured, connector, identity, db) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with secured as (base, _, _):
        for label, token in _refused_tokens(identity, url).items():
            status, body = await post(base, teams.message(url, KIM, "find chief nurse"), token)
            assert status == 401, label
            assert body == {"error": "invalid or missing token"}, label
            status, body = await post(base, teams.extension_query(url, KIM, "nurse"), token)
            assert status == 401, label
    assert fake.calls == []  # no reply, no member lookup: the bot never ran
    with db.session() as session:
        assert session.scalars(select(ChatAccount)).all() == []


async def test_the_signing_keys_are_fetched_from_the_configured_metadata(
        secured, connector, identity) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with secured as (base, _, _):
        assert (await post(base, teams.message(url, KIM, "help"), identity.mint(url)))[0] == 201
    assert identity.metadata_requests >= 1
