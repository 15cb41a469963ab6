"""`leaders accounts check`: links made on weaker evidence than today's rules, found and acted on by staff
(issue 10, finding 2). The real CLI in a subprocess against the test database; Slack a fake on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from directory.database import Database
from directory.models import AuditEvent, ChatAccount
from directory.people import by_email
from tests.delivery_helpers import CLIENT_ID, install_workspaces
from tests.fakes_teams import TENANT
from tests.helpers import load_sample
from tests.slack_fakes import BOT_TOKEN, FakeSlack

OTHER_TENANT = "9d3f0000-0000-4000-8000-00000000beef"
TEAMS_RULES = {"LEADERS_ALLOWED_TENANTS": TENANT, "LEADERS_TENANT_DOMAINS": f"{TENANT}:manchester.gov.uk"}
OAUTH = {"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "c",
         "LEADERS_ALLOWED_SLACK_TEAMS": "T0001"}


async def leaders(database_url: str, cwd: Path, *args: str, env: dict[str, str] | None = None,
                  stdin: str = "") -> tuple[int, str, str]:
    """`leaders ARGS…` in a clean directory, without blocking this test's event loop (the fakes run on
    it)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", *args, cwd=cwd,
        env={**clean, "LEADERS_DATABASE_URL": database_url, **(env or {})},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 120)
    return process.returncode or 0, out.decode(), err.decode()


def link(db: Database, email: str, platform: str, workspace: str, user: str, via: str,
         revoked: bool = False) -> int:
    with db.session() as session:
        leader = by_email(session, email)
        assert leader is not None
        account = ChatAccount(platform=platform, workspace_id=workspace, user_id=user, leader_id=leader.id,
                              linked_via=via)
        session.add(account)
        session.flush()
        if revoked:
            from directory.models import utcnow

            account.revoked_at = utcnow()
        return account.id


@pytest.fixture
def accounts(db: Database) -> dict[str, int]:
    load_sample(db)
    with db.session() as session:
        sean = by_email(session, "sean.obrien@scotland.police.uk")
        assert sean is not None
        sean.microsoft_oid = "aad-sean"
    return {
        "kim (tenant owns the domain)": link(db, "kim.chen@manchester.gov.uk", "teams", TENANT, "aad-kim",
                                             "Microsoft Teams account"),
        "priya (domain not owned)": link(db, "priya.patel@hmrc.gov.uk", "teams", TENANT, "aad-priya",
                                         "Microsoft Teams account"),
        "rosa (tenant gone)": link(db, "rosa.lee@nwas.nhs.uk", "teams", OTHER_TENANT, "aad-rosa",
                                   "Sign in with Microsoft"),
        "sean (object id)": link(db, "sean.obrien@scotland.police.uk", "teams", TENANT, "aad-sean",
                                 "Microsoft Teams account"),
        "aine (old slack link)": link(db, "aine.nibhriain@belfastcity.gov.uk", "slack", "T0001", "UAINE",
                                      "Slack verified email"),
        "pat (workspace gone)": link(db, "pat.nurse@cardiff.gov.uk", "slack", "T0009", "UPAT",
                                     "Slack confirmed email"),
        "sam (fine)": link(db, "sam.harris@defra.gov.uk", "slack", "T0001", "USAM", "Slack confirmed email"),
        "jo (removed already)": link(db, "jo.mccarthy@westmidlands-fire.gov.uk", "teams", OTHER_TENANT,
                                     "aad-jo", "Microsoft Teams account", revoked=True),
    }


def flagged(out: str) -> dict[int, list[str]]:
    return {item["account"]: item["reasons"] for item in json.loads(out)["flagged"]}


async def test_the_check_lists_every_link_todays_rules_would_not_make(database_url, tmp_path, accounts):
    code, out, _ = await leaders(database_url, tmp_path, "accounts", "check", "--json",
                                 env={**TEAMS_RULES, **OAUTH})
    assert code == 1
    assert flagged(out) == {
        accounts["priya (domain not owned)"]: ["domain_not_owned"],
        accounts["rosa (tenant gone)"]: ["tenant_not_admitted"],
        accounts["aine (old slack link)"]: ["slack_unconfirmed"],
        accounts["pat (workspace gone)"]: ["workspace_not_admitted"],
    }
    [aine] = [item for item in json.loads(out)["flagged"] if item["reasons"] == ["slack_unconfirmed"]]
    assert "cannot be re-verified offline" in aine["why"][0] and aine["leader"].startswith("aine.")

    code, text, _ = await leaders(database_url, tmp_path, "accounts", "check", env={**TEAMS_RULES, **OAUTH})
    assert code == 1 and "4 link(s) listed" in text
    assert f"account {accounts['priya (domain not owned)']}: priya.patel@hmrc.gov.uk — Microsoft Teams " \
           f"tenant {TENANT}, user aad-priya, linked " in text
    assert "    linked automatically on an email whose domain this tenant does not own" in text


async def test_staff_revoke_the_listed_links_after_confirming(database_url, tmp_path, accounts, db):
    env = {**TEAMS_RULES, **OAUTH}
    code, _, err = await leaders(database_url, tmp_path, "accounts", "check", "--revoke", env=env,
                                 stdin="n\n")
    assert code == 1 and "cancelled; nothing removed" in err
    with db.session() as session:
        priya = session.get(ChatAccount, accounts["priya (domain not owned)"])
        assert priya is not None and priya.revoked_at is None
    code, out, _ = await leaders(database_url, tmp_path, "accounts", "check", "--revoke", "--yes", env=env)
    assert code == 0 and "Removed 4 link(s)" in out
    with db.session() as session:
        live = {a.id for a in session.scalars(select(ChatAccount).where(ChatAccount.revoked_at.is_(None)))}
        unlinked = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.unlinked")).all()
    kept = ("kim (tenant owns the domain)", "sean (object id)", "sam (fine)")
    assert live == {accounts[name] for name in kept}
    assert len(unlinked) == 4 and all(e.actor.startswith("cli:") for e in unlinked)
    assert {e.details["reason"] for e in unlinked} >= {"domain_not_owned", "slack_unconfirmed"}
    code, out, _ = await leaders(database_url, tmp_path, "accounts", "check", env=env)
    assert code == 0 and "Every live chat-account link meets today's rules." in out


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails={"UAINE": "aine.nibhriain@belfastcity.gov.uk",
                                   "UGUEST": "oluwaseun.adeyemi@gmp.police.uk"}).start()
    yield fake
    await fake.stop()


async def test_recheck_slack_asks_slack_again_and_relabels_what_it_now_vouches_for(
        database_url, tmp_path, db, fake_slack) -> None:
    load_sample(db)
    install_workspaces(db, {"xoxb-installed-T0001": "T0001"})
    aine = link(db, "aine.nibhriain@belfastcity.gov.uk", "slack", "T0001", "UAINE", "Slack verified email")
    guest = link(db, "oluwaseun.adeyemi@gmp.police.uk", "slack", "T0001", "UGUEST", "Slack verified email")
    fake_slack.users["UGUEST"] = {"is_restricted": True}  # Slack now says: a guest
    env: dict[str, Any] = {**OAUTH, "SLACK_API_URL": fake_slack.api_url}
    code, out, _ = await leaders(database_url, tmp_path, "accounts", "check", "--recheck-slack", "--json",
                                 env=env)
    assert code == 1 and flagged(out) == {guest: ["slack_unconfirmed"]}
    [note] = json.loads(out)["notes"]
    assert "1 now confirmed (relabelled), 0 could not be asked, 1 not vouched for" in note
    assert {c.body["user"] for c in fake_slack.called("users.info")} == {"UAINE", "UGUEST"}
    assert {c.authorization for c in fake_slack.called("users.info")} == {"Bearer xoxb-installed-T0001"}
    with db.session() as session:
        assert session.get(ChatAccount, aine).linked_via == "Slack confirmed email"  # type: ignore[union-attr]
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "account.reverified"))


async def test_with_one_token_the_workspace_is_asked_of_slack(database_url, tmp_path, db, fake_slack) -> None:
    load_sample(db)
    elsewhere = link(db, "aine.nibhriain@belfastcity.gov.uk", "slack", "T0404", "UAINE",
                     "Slack confirmed email")
    env = {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake_slack.api_url}
    code, out, err = await leaders(database_url, tmp_path, "accounts", "check", env=env)
    assert code == 0 and "run with --recheck-slack to ask Slack which that is" in err
    code, out, _ = await leaders(database_url, tmp_path, "accounts", "check", "--recheck-slack", "--json",
                                 env=env)
    assert code == 1 and flagged(out) == {elsewhere: ["workspace_not_admitted"]}  # auth.test says T0001
