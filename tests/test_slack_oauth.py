"""Slack OAuth v2 (many workspaces) end to end: install, consent callback, stored installation, and a
command from the new workspace answered with that workspace's own bot token."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy import Table as SATable

from directory.accounts import ChatIdentity, linked_leader
from directory.database import Database
from tests.helpers import load_sample
from tests.slack_fakes import FakeSlack, RunningServer, start_server, stop_server, texts

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
TEAM_INSTALL = {"access_token": "xoxb-installed-T0002", "token_type": "bot", "app_id": "A0LEADERS",
                "scope": "commands,chat:write,users:read,users:read.email,im:history,app_mentions:read,"
                         "mpim:write",
                "bot_user_id": "UBOT2", "team": {"id": "T0002", "name": "Belfast City Council"},
                "enterprise": None, "is_enterprise_install": False,
                "authed_user": {"id": "UINSTALLER"}}
ORG_INSTALL = {**TEAM_INSTALL, "access_token": "xoxb-installed-E0001", "team": None,
               "enterprise": {"id": "E0001", "name": "Public Sector Grid"}, "is_enterprise_install": True}


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails={AINE[0]: AINE[1]}).start()
    yield fake
    await fake.stop()


@pytest.fixture
async def server(db: Database, database_url: str, fake_slack: FakeSlack) -> AsyncIterator[RunningServer]:
    load_sample(db)
    running = await start_server(database_url, fake_slack, slack_client_id="1111.2222",
                                 slack_client_secret="oauth-client-secret",
                                 allowed_slack_teams="T0002,E0001")
    yield running
    await stop_server(running)


async def install(server: RunningServer, fake_slack: FakeSlack, answer: dict) -> str:
    """Walk the browser through /slack/install and Slack's redirect; returns the success page text."""
    fake_slack.oauth_access = answer
    async with server.session.get(f"{server.url}/slack/install", allow_redirects=False) as response:
        assert response.status == 302
        location = response.headers["Location"]
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    consent = urlparse(location)
    assert consent.netloc == "slack.com" and consent.path == "/oauth/v2/authorize"
    query = parse_qs(consent.query)
    assert query["client_id"] == ["1111.2222"]
    assert set(query["scope"][0].split(",")) == set(TEAM_INSTALL["scope"].split(","))
    state = query["state"][0]
    async with server.session.get(f"{server.url}/slack/oauth_redirect",
                                  params={"code": "one-time-code", "state": state},
                                  headers={"Cookie": cookie}) as response:
        assert response.status == 200, await response.text()
        return await response.text()


async def test_a_workspace_installs_and_its_commands_use_its_own_token(server: RunningServer,
                                                                        fake_slack: FakeSlack,
                                                                        db: Database) -> None:
    await install(server, fake_slack, TEAM_INSTALL)
    exchange = fake_slack.called("oauth.v2.access")[0]
    assert exchange.body["code"] == "one-time-code"
    basic = base64.b64encode(b"1111.2222:oauth-client-secret").decode()
    assert exchange.authorization == f"Basic {basic}"  # the client credentials, as HTTP Basic auth
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT team_id, bot_token, is_enterprise_install "
                                      "FROM slack_installations")).one()
    assert row[0] == "T0002" and row[1] == "xoxb-installed-T0002" and not row[2]

    await server.slash("find finance", AINE[0], team_id="T0002", response_url=fake_slack.response_url())
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert "Áine Ní Bhriain" in texts(answer["blocks"])
    lookup = fake_slack.called("users.info")[0]
    assert lookup.authorization == "Bearer xoxb-installed-T0002"


async def test_an_enterprise_grid_org_wide_install_is_recognised(
        server: RunningServer, fake_slack: FakeSlack, db: Database) -> None:
    await install(server, fake_slack, ORG_INSTALL)
    await server.slash("profile", AINE[0], team_id="T0009", enterprise_id="E0001", is_enterprise_install=True,
                       response_url=fake_slack.response_url())
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert "Áine Ní Bhriain" in texts(answer["blocks"])
    assert fake_slack.called("users.info")[0].authorization == "Bearer xoxb-installed-E0001"
    with db.session() as session:  # one chat account for the whole org, keyed by the enterprise id
        assert linked_leader(session, ChatIdentity("slack", "E0001", "UAINE")) is not None


async def test_a_replayed_or_forged_state_is_refused(server: RunningServer, fake_slack: FakeSlack) -> None:
    async with server.session.get(f"{server.url}/slack/oauth_redirect",
                                  params={"code": "c", "state": "made-up"},
                                  headers={"Cookie": "slack-app-oauth-state=made-up"}) as response:
        assert response.status in (400, 401)
    assert fake_slack.called("oauth.v2.access") == []


async def test_a_command_from_a_workspace_that_never_installed_gets_no_data(server: RunningServer,
                                                                            fake_slack: FakeSlack) -> None:
    status, body = await server.slash("find finance", AINE[0], team_id="T0404",
                                      response_url=fake_slack.response_url())
    assert status == 200 and "Áine" not in body
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert "isn't installed in this Slack workspace" in answer["text"]
    assert "Áine" not in str(answer)
    assert fake_slack.called("users.info") == []


def test_migration_0002_has_every_column_slack_sdk_uses(db: Database) -> None:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    metadata = MetaData()
    expected: list[SATable] = [
        SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations"),
        SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states"),
    ]
    inspector = inspect(db.engine)
    for table in expected:
        migrated = {c["name"] for c in inspector.get_columns(table.name)}
        assert {c.name for c in table.columns} <= migrated, table.name
    with db.engine.connect() as connection:
        assert connection.execute(select(expected[2].c.id)).all() == []
