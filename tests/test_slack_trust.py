"""Who may talk to the bot on Slack, and whose email links an account — each attack tried for real
(issue 10, finding 2): signed requests into the real server, Slack's Web API a fake on loopback."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select, text

from directory.database import Database
from directory.models import ChatAccount
from tests.delivery_helpers import CLIENT_ID, install_workspaces
from tests.helpers import load_sample
from tests.slack_fakes import BOT_TOKEN, FakeSlack, RunningServer, start_server, stop_server, texts
from tests.test_slack_oauth import TEAM_INSTALL

PRIYA = ("UPRIYA", "priya.patel@hmrc.gov.uk")  # staff
REFUSAL = ("Sorry, Leaders Connect isn't available to your organisation, so I can't help here — if you "
           "think it should be, ask the Leaders Connect team.")
CLIENT = {"slack_client_id": CLIENT_ID, "slack_client_secret": "oauth-client-secret"}


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails={PRIYA[0]: PRIYA[1]}).start()
    yield fake
    await fake.stop()


@pytest.fixture
async def oauth_server(db: Database, database_url: str, fake_slack: FakeSlack
                       ) -> AsyncIterator[RunningServer]:
    """OAuth mode admitting T0002 only; T0003 installed the app before the allow-list existed."""
    load_sample(db)
    install_workspaces(db, {"xoxb-installed-T0002": "T0002", "xoxb-installed-T0003": "T0003"})
    running = await start_server(database_url, fake_slack, **CLIENT, allowed_slack_teams="T0002",
                                 staff_emails=PRIYA[1])
    yield running
    await stop_server(running)


def links(db: Database) -> list[ChatAccount]:
    with db.session() as session:
        return list(session.scalars(select(ChatAccount)))


def dm(user: str, words: str) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "channel": "D0001", "user": user, "text": words,
            "ts": "1700000000.000100", "event_ts": "1700000000.000100"}


async def test_single_token_mode_admits_only_the_tokens_own_workspace(server: RunningServer,
                                                                      fake_slack: FakeSlack,
                                                                      db: Database) -> None:
    """The token's workspace is T0001 (auth.test). A command, a button and a DM from T0404 each get the
    sentence and nothing else: no users.info, no answer with data, no link."""
    fake_slack.emails[PRIYA[0]] = PRIYA[1]
    status, body = await server.slash("staff list", PRIYA[0], team_id="T0404",
                                      response_url=fake_slack.response_url("cmd"))
    assert status == 200 and json.loads(body) == {"response_type": "ephemeral", "text": REFUSAL}
    status, _ = await server.press("profile.view:1", PRIYA[0], team_id="T0404",
                                   response_url=fake_slack.response_url("btn"))
    assert status == 200
    _, said = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert said["text"] == REFUSAL and said["response_type"] == "ephemeral" and "blocks" not in said
    await server.event(dm(PRIYA[0], "staff list"), event_id="Ev0404", team_id="T0404")
    [posted] = await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage"))
    assert posted.body["text"] == REFUSAL and posted.body["channel"] == "D0001"
    await fake_slack.settle()
    assert fake_slack.called("users.info") == [] and len(fake_slack.responses) == 1
    assert links(db) == []
    # …while the token's own workspace is served as before
    await server.slash("profile", PRIYA[0], response_url=fake_slack.response_url("home"))
    answers = await fake_slack.wait_for(lambda: len(fake_slack.responses) == 2 and fake_slack.responses)
    assert "priya.patel@hmrc.gov.uk" in texts(answers[1][1]["blocks"])
    assert fake_slack.called("users.info")[0].authorization == f"Bearer {BOT_TOKEN}"


async def test_oauth_mode_refuses_a_workspace_not_on_the_list(oauth_server: RunningServer,
                                                              fake_slack: FakeSlack, db: Database) -> None:
    status, body = await oauth_server.slash("staff list", PRIYA[0], team_id="T0003",
                                            response_url=fake_slack.response_url("t3"))
    assert status == 200 and json.loads(body)["text"] == REFUSAL
    await fake_slack.settle()
    assert fake_slack.called("users.info") == [] and fake_slack.responses == [] and links(db) == []
    status, body = await oauth_server.slash("staff list", PRIYA[0], team_id="T0002",
                                            response_url=fake_slack.response_url("t2"))
    assert status == 200 and body == ""
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert "priya.patel@hmrc.gov.uk" in texts(answer["blocks"])  # T0002 is served: Priya is staff there


async def test_oauth_installs_from_other_workspaces_are_refused(oauth_server: RunningServer,
                                                                fake_slack: FakeSlack, db: Database) -> None:
    fake_slack.oauth_access = {**TEAM_INSTALL, "access_token": "xoxb-new-T0005",
                               "team": {"id": "T0005", "name": "Somewhere Else"}}
    async with oauth_server.session.get(f"{oauth_server.url}/slack/install", allow_redirects=False) as page:
        state = parse_qs(urlparse(page.headers["Location"]).query)["state"][0]
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    async with oauth_server.session.get(f"{oauth_server.url}/slack/oauth_redirect",
                                        params={"code": "one-time-code", "state": state},
                                        headers={"Cookie": cookie}) as response:
        assert response.status == 403
        page_text = await response.text()
    assert "was not installed" in page_text and "available to your organisation" in page_text
    [revoked] = fake_slack.called("auth.revoke")
    assert revoked.authorization == "Bearer xoxb-new-T0005"
    with db.engine.connect() as connection:
        teams = {row[0] for row in connection.execute(text("SELECT team_id FROM slack_installations"))}
    assert teams == {"T0002", "T0003"}  # nothing new was kept


async def test_an_empty_list_admits_nobody_and_says_so(db: Database, database_url: str,
                                                       fake_slack: FakeSlack, caplog) -> None:
    load_sample(db)
    install_workspaces(db, {"xoxb-installed-T0002": "T0002"})
    with caplog.at_level(logging.WARNING):
        running = await start_server(database_url, fake_slack, **CLIENT)
    try:
        assert "LEADERS_ALLOWED_SLACK_TEAMS is empty" in caplog.text
        status, body = await running.slash("help", PRIYA[0], team_id="T0002",
                                           response_url=fake_slack.response_url())
        assert status == 200 and json.loads(body)["text"] == REFUSAL
    finally:
        await stop_server(running)


@pytest.mark.parametrize("evidence", [
    {"is_email_confirmed": False},
    {"is_email_confirmed": None},  # not stated: not confirmed
    {"is_restricted": True},  # a multi-channel guest
    {"is_ultra_restricted": True},  # a single-channel guest
    {"is_stranger": True},  # an external user Slack tells us about
    {"team_id": "T0999"},  # a Slack Connect user whose home workspace is another organisation's
    {"is_bot": True},
    {"deleted": True},
])
async def test_only_a_confirmed_email_of_a_full_member_links(server: RunningServer, fake_slack: FakeSlack,
                                                             db: Database, evidence: dict) -> None:
    """Slack reports Priya's (staff) address for the account in each case; none of them may link."""
    fake_slack.users[PRIYA[0]] = evidence
    await server.slash("staff list", PRIYA[0], response_url=fake_slack.response_url())
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert "Welcome to Leaders Connect" in texts(answer["blocks"])
    assert "priya.patel@hmrc.gov.uk" not in texts(answer["blocks"])
    assert links(db) == []


async def test_a_confirmed_full_member_links_and_says_how(server: RunningServer, fake_slack: FakeSlack,
                                                          db: Database) -> None:
    await server.slash("profile", PRIYA[0], response_url=fake_slack.response_url())
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert "chat account linked by Slack confirmed email" in texts(answer["blocks"])
    [account] = links(db)
    assert (account.workspace_id, account.linked_via) == ("T0001", "Slack confirmed email")
