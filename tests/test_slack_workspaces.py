"""Slack workspaces in OAuth mode, end to end: an Enterprise Grid workspace-level install is found by the
org *and* the workspace a person speaks from, so a message sent first reaches them with that install's
token; a workspace that uninstalls the app (or revokes its bot token) has its tokens deleted through
bolt's token revocation listeners, and what was queued for it fails with that reason while other
workspaces' messages still go. Every organisation here is admitted (LEADERS_ALLOWED_SLACK_TEAMS), as OAuth
mode requires; one Grid workspace admitted on its own, and a workspace no longer admitted that uninstalls,
show how admission and these meet."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import select

from adapters.slack.admission import sentence
from bot.live import queue_card
from bot.replies import Reply, Text
from directory.database import Database
from directory.models import ChatAccount
from directory.outbox import FAILED, PENDING, SENT
from tests.delivery_helpers import CLIENT_ID
from tests.helpers import load_sample
from tests.live_helpers import card_row, deliver, link
from tests.slack_fakes import FakeSlack, RunningServer, start_server, stop_server

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
SEAN = ("USEAN", "sean.obrien@scotland.police.uk")
ROSA = ("UROSA", "rosa.lee@nwas.nhs.uk")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails={AINE[0]: AINE[1], SEAN[0]: SEAN[1], ROSA[0]: ROSA[1]}).start()
    yield fake
    await fake.stop()


ADMITTED = "E0001,E0002,T0005,T0006,T0007"  # two Grid orgs, three standalone workspaces


@pytest.fixture
async def server(db: Database, database_url: str, fake_slack: FakeSlack) -> AsyncIterator[RunningServer]:
    load_sample(db)
    running = await start_server(database_url, fake_slack, slack_client_id=CLIENT_ID,
                                 slack_client_secret="oauth-client-secret", allowed_slack_teams=ADMITTED)
    yield running
    await stop_server(running)


def grid_member(fake: FakeSlack, user: str, team: str, enterprise: str) -> None:
    """users.info as Slack answers for a full member of a Grid org's workspace `team`."""
    fake.users[user] = {"team_id": team, "enterprise_user": {"id": user, "enterprise_id": enterprise,
                                                             "enterprise_name": "Public Sector Grid"}}


def install(db: Database, team: str | None, token: str, enterprise: str | None = None,
            org_wide: bool = False) -> None:
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=db.engine)
    store.save(Installation(app_id="A0LEADERS", enterprise_id=enterprise, team_id=None if org_wide else team,
                            is_enterprise_install=org_wide, bot_token=token, bot_id=f"B{team}",
                            bot_user_id="UBOT", user_id="UINSTALLER", bot_scopes=["chat:write"],
                            user_token=f"xoxp-{team}", user_scopes=["identify"]))


def installed(db: Database, enterprise: str | None, team: str | None) -> bool:
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=db.engine)
    return store.find_bot(enterprise_id=enterprise, team_id=team, is_enterprise_install=team is None) \
        is not None


def send_to(db: Database, account_id: int, key: str) -> None:
    with db.session() as session:
        account = session.get(ChatAccount, account_id)
        assert account is not None
        queue_card(session, account, Reply((Text(f"Hello via {key}", "heading"),)), key)


def grid_workspaces_with_a_card_each(db: Database, aines: str, seans: str) -> None:
    """Grid org E0001 with two workspace installs, T0002 (Áine speaks from it) and T0003 (Seán), and a card
    queued for each of them under the keys given."""
    install(db, "T0002", "xoxb-grid-T0002", enterprise="E0001")
    install(db, "T0003", "xoxb-grid-T0003", enterprise="E0001")
    send_to(db, link(db, "slack", "E0001", *AINE, team="T0002"), aines)
    send_to(db, link(db, "slack", "E0001", *SEAN, team="T0003"), seans)


def tokens_used(fake: FakeSlack) -> dict[str, str]:
    """channel → the bot token each chat.postMessage came with."""
    return {c.body["channel"]: c.authorization.removeprefix("Bearer ")
            for c in fake.called("chat.postMessage")}


async def test_a_grid_workspace_install_gets_its_message(server: RunningServer, fake_slack: FakeSlack,
                                                         db: Database) -> None:
    install(db, "T0002", "xoxb-grid-T0002", enterprise="E0001")
    install(db, "T0003", "xoxb-grid-T0003", enterprise="E0001")  # another workspace of the org, newer
    grid_member(fake_slack, AINE[0], "T0002", "E0001")
    # Áine uses /leaders in workspace T0002 of the org: her account is the org's, and records T0002.
    await server.slash("profile", AINE[0], team_id="T0002", enterprise_id="E0001",
                       response_url=fake_slack.response_url("grid"))
    await fake_slack.wait_for(lambda: fake_slack.responses)
    assert fake_slack.called("users.info")[0].authorization == "Bearer xoxb-grid-T0002"
    with db.session() as session:
        account = session.scalar(select(ChatAccount).where(ChatAccount.user_id == AINE[0]))
        assert account is not None and (account.workspace_id, account.team_id) == ("E0001", "T0002")
        aine = account.id
    linked_before = link(db, "slack", "E0001", *SEAN)  # linked before workspaces were recorded: none
    send_to(db, aine, "grid:aine")
    send_to(db, linked_before, "grid:sean")
    await deliver(db, server.services.settings)
    assert card_row(db, "grid:aine").status == SENT and card_row(db, "grid:sean").status == SENT
    assert tokens_used(fake_slack) == {"UAINE": "xoxb-grid-T0002",  # her own workspace's install
                                       "USEAN": "xoxb-grid-T0003"}  # the org's newest, lacking better


async def test_an_org_wide_install_serves_every_workspace_of_the_org(
        server: RunningServer, fake_slack: FakeSlack, db: Database) -> None:
    install(db, "T0009", "xoxb-org-E0002", enterprise="E0002", org_wide=True)
    aine = link(db, "slack", "E0002", *AINE, team="T0009")
    send_to(db, aine, "org:aine")
    await deliver(db, server.services.settings)
    assert tokens_used(fake_slack) == {"UAINE": "xoxb-org-E0002"}


async def test_an_uninstalled_workspace_s_messages_fail_with_a_clear_reason(server: RunningServer,
                                                                            fake_slack: FakeSlack,
                                                                            db: Database) -> None:
    install(db, "T0005", "xoxb-T0005")
    install(db, "T0006", "xoxb-T0006")
    leaving = [link(db, "slack", "T0005", *AINE), link(db, "slack", "T0005", *SEAN)]
    staying = link(db, "slack", "T0006", *ROSA)
    for account in leaving:
        send_to(db, account, f"leaving:{account}")
    send_to(db, staying, "staying")
    status, _ = await server.event({"type": "app_uninstalled"}, "Ev0GONE", team_id="T0005")
    assert status == 200
    assert not installed(db, None, "T0005") and installed(db, None, "T0006")  # its tokens are deleted
    for account in leaving:
        row = card_row(db, f"leaving:{account}")
        assert (row.status, row.last_error) == (FAILED, "Slack: the app was uninstalled from this workspace")
    assert card_row(db, "staying").status == PENDING
    await deliver(db, server.services.settings)
    assert tokens_used(fake_slack) == {"UROSA": "xoxb-T0006"}  # nothing tried against the gone workspace


async def test_a_grid_workspace_uninstalling_leaves_the_rest_of_the_org_alone(server: RunningServer,
                                                                              fake_slack: FakeSlack,
                                                                              db: Database) -> None:
    grid_workspaces_with_a_card_each(db, "gone", "kept")
    await server.event({"type": "app_uninstalled"}, "Ev0GRIDGONE", team_id="T0002", enterprise_id="E0001")
    assert not installed(db, "E0001", "T0002") and installed(db, "E0001", "T0003")
    assert card_row(db, "gone").status == FAILED and card_row(db, "kept").status == PENDING


async def test_a_revoked_bot_token_fails_what_waits_and_a_revoked_user_token_does_not(
        server: RunningServer, fake_slack: FakeSlack, db: Database) -> None:
    install(db, "T0007", "xoxb-T0007")
    account = link(db, "slack", "T0007", *AINE)
    send_to(db, account, "first")
    await server.event({"type": "tokens_revoked", "tokens": {"oauth": ["UINSTALLER"]}}, "Ev0USER",
                       team_id="T0007")
    assert installed(db, None, "T0007") and card_row(db, "first").status == PENDING
    await server.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, "Ev0BOT", team_id="T0007")
    assert not installed(db, None, "T0007")
    row = card_row(db, "first")
    assert (row.status, row.last_error) == (FAILED, "Slack: the app's token was revoked in this workspace")


async def test_a_grid_workspace_admitted_on_its_own_gets_its_messages_and_its_neighbours_do_not(
        db: Database, database_url: str, fake_slack: FakeSlack) -> None:
    """LEADERS_ALLOWED_SLACK_TEAMS may name one workspace of a Grid org rather than the org: an account is
    the org's (E…), so delivery is admitted by the workspace it speaks from, as its requests are."""
    load_sample(db)
    server = await start_server(database_url, fake_slack, slack_client_id=CLIENT_ID,
                                slack_client_secret="oauth-client-secret", allowed_slack_teams="T0002")
    try:
        grid_workspaces_with_a_card_each(db, "grid:admitted", "grid:neighbour")
        await deliver(db, server.services.settings)
        assert card_row(db, "grid:admitted").status == SENT
        row = card_row(db, "grid:neighbour")
        assert (row.status, row.last_error) == (
            FAILED, "Slack: this workspace is not in LEADERS_ALLOWED_SLACK_TEAMS")
        assert tokens_used(fake_slack) == {"UAINE": "xoxb-grid-T0002"}
    finally:
        await stop_server(server)


async def test_a_workspace_no_longer_admitted_that_uninstalls_still_has_its_tokens_deleted(
        db: Database, database_url: str, fake_slack: FakeSlack) -> None:
    """Taken off LEADERS_ALLOWED_SLACK_TEAMS, a workspace's requests are refused — but Slack's word that it
    removed the app is still heard, so no token of it is left behind and its queue fails with the reason."""
    load_sample(db)
    server = await start_server(database_url, fake_slack, slack_client_id=CLIENT_ID,
                                slack_client_secret="oauth-client-secret", allowed_slack_teams="T0006")
    try:
        install(db, "T0005", "xoxb-T0005")
        account = link(db, "slack", "T0005", *AINE)
        send_to(db, account, "leaving")
        status, body = await server.slash("profile", AINE[0], team_id="T0005",
                                          response_url=fake_slack.response_url("x"))
        assert status == 200 and json.loads(body)["text"] == sentence()  # anything else is refused, unrun
        assert fake_slack.called("users.info") == []
        status, _ = await server.event({"type": "app_uninstalled"}, "Ev0FORMER", team_id="T0005")
        assert status == 200 and not installed(db, None, "T0005")
        row = card_row(db, "leaving")
        assert (row.status, row.last_error) == (FAILED, "Slack: the app was uninstalled from this workspace")
    finally:
        await stop_server(server)
