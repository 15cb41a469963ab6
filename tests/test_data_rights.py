"""Data rights and the audit log: `mydata` (a one-time download over real HTTP), `forget me`, `leaders
erase`, and an audit log the database itself keeps append-only, free of personal data after an erasure."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from adapters.console.render import render
from bot.engine import Bot
from directory import audit
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.conversations import ConversationRef, TeamsConversation, save_reference
from directory.data_rights import export
from directory.database import Database
from directory.models import AuditEvent, ChatAccount, ErasureRequest, Leader
from directory.outbox import OutboxMessage, enqueue
from directory.search import search
from directory.settings import Settings
from tests.helpers import load_sample
from tests.slack_fakes import FakeSlack, RunningServer, texts

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
KIM = ChatIdentity("teams", "tenant-1", "aad-kim", "kim.chen@manchester.gov.uk")


def make_bot(db: Database, **extra: str) -> Bot:
    load_sample(db)
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None, **extra))  # type: ignore[call-arg]


async def test_mydata_gives_a_one_time_download_of_everything_held(server: RunningServer,
                                                                    fake_slack: FakeSlack) -> None:
    server.services.settings.public_url = server.url  # LEADERS_PUBLIC_URL: where browsers reach us
    await server.slash("mydata", AINE[0], response_url=fake_slack.response_url("m"))
    [(_, answer)] = await fake_slack.wait_for(lambda: fake_slack.responses)
    url = next(e["url"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert url.startswith(server.url + "/mydata?token=") and "works once" in texts(answer["blocks"])

    async with server.session.get(url) as page:  # a link preview fetching this must not spend it
        assert page.status == 200 and "Download my data" in await page.text()
        assert page.headers["Cache-Control"] == "no-store"
    token = url.split("token=", 1)[1]
    async with server.session.post(server.url + "/mydata", data={"token": token}) as download:
        assert download.status == 200
        assert "attachment" in download.headers["Content-Disposition"]
        data = json.loads(await download.text())
    assert data["profile"]["email"] == AINE[1] and data["profile"]["phone"] == "+44 7700 900101"
    assert data["visibility"]["phone"] == "introduced"
    assert [(a["platform"], a["user_id"]) for a in data["chat_accounts"]] == [("slack", "UAINE")]
    assert "account.linked" in {e["action"] for e in data["audit_log"]}

    async with server.session.post(server.url + "/mydata", data={"token": token}) as again:
        assert again.status == 400 and "already been used" in await again.text()
    async with server.session.post(server.url + "/mydata", data={"token": "x" * 1000}) as bad:
        assert bad.status == 400
    async with server.session.post(server.url + "/mydata", data={"token": "x" * 5000}) as huge:
        assert huge.status == 413  # over the 4 KiB a form of ours can be


async def test_a_mydata_link_dies_with_the_accounts_link(server: RunningServer,
                                                      fake_slack: FakeSlack) -> None:
    """Removing a compromised account's link also stops the export link it was already handed."""
    await server.slash("mydata", AINE[0], response_url=fake_slack.response_url("m"))
    [(_, answer)] = await fake_slack.wait_for(lambda: fake_slack.responses)
    url = next(e["url"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    await server.slash("accounts remove 1 confirm", AINE[0], response_url=fake_slack.response_url("rm"))
    await fake_slack.wait_for(lambda: len(fake_slack.responses) == 2)
    token = url.split("token=", 1)[1]
    async with server.session.post(server.url + "/mydata", data={"token": token}) as gone:
        assert gone.status == 400 and "no longer linked" in await gone.text()


def test_forget_me_asks_first_then_files_one_request_and_says_what_happens(db: Database,
                                                                        clock: FakeClock) -> None:
    bot = make_bot(db)
    assert "type `forget me`" in render(bot.handle_text(KIM, "forget"))
    asked = render(bot.handle_text(KIM, "forget me"))
    assert "Erase your profile and data?" in asked and "Nothing is filed until you confirm" in asked
    assert "[1] Yes, erase my data  [2] No, keep my profile" in asked
    assert "Nothing was filed" in render(bot.handle_action(KIM, "forget.keep"))
    with db.session(commit=False) as session:
        assert session.scalar(select(func.count()).select_from(ErasureRequest)) == 0
    first = render(bot.handle_action(KIM, "forget.confirm"))
    assert "erasure request is filed" in first and "within one month" in first
    assert "forget me cancel" in first and "Withdraw my request" in first
    clock.advance(days=3)  # asked again later: the answer names the day of the first request
    assert "You already asked on 15 January 2030" in render(bot.handle_text(KIM, "forget me confirm"))
    with db.session(commit=False) as session:
        assert session.scalar(select(func.count()).select_from(ErasureRequest)) == 1
        actions = list(session.scalars(select(AuditEvent.action)))
    assert actions.count("data.erasure_requested") == 1


def test_a_filed_request_can_be_withdrawn_until_staff_act(db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(db)
    assert "no open erasure request" in render(bot.handle_text(KIM, "forget me cancel"))
    bot.handle_text(KIM, "forget me confirm")
    assert "kim.chen@manchester.gov.uk" in leaders("erase", "--pending").stdout
    withdrawn = render(bot.handle_action(KIM, "forget.cancel"))
    assert "Your erasure request is withdrawn" in withdrawn
    assert "No open erasure requests." in leaders("erase", "--pending").stdout
    with db.session(commit=False) as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("data.%"))
                                       .order_by(AuditEvent.id)))
    assert actions == ["data.erasure_requested", "data.erasure_cancelled"]


def test_erase_removes_the_leader_and_everything_that_identifies_them(db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(db)
    bot.handle_text(KIM, "forget me confirm")
    with db.session() as session:
        save_reference(session, ConversationRef(  # linked to Kim's account (saved on her turns)
            tenant_id="tenant-1", user_id="aad-kim", conversation_id="a:1kim", conversation_type="personal",
            service_url="https://smba.example/", channel_id="msteams", bot_id="28:bot", bot_name="Leaders",
            user_channel_id="29:1kim"))
        account = session.scalar(select(ChatAccount).where(ChatAccount.user_id == "aad-kim"))
        assert account is not None
        enqueue(session, account, {"blocks": [{"type": "text", "text": "A poll for Kim"}]}, "poll:1:kim")
        session.add(TeamsConversation(  # saved before she was linked: same user, no account attached
            tenant_id="tenant-1", user_id="aad-kim", conversation_id="19:channel",
            conversation_type="channel",
            service_url="https://smba.example/", channel_id="msteams", bot_id="28:bot", bot_name="Leaders",
            user_channel_id="29:1kim", chat_account_id=None))
    assert "kim.chen@manchester.gov.uk" in leaders("erase", "--pending").stdout
    with db.session() as session:  # her copy of her data includes what the bot queued for her
        kim = session.scalar(select(Leader).where(Leader.email_key == "kim.chen@manchester.gov.uk"))
        assert kim is not None
        [queued] = export(session, kim)["messages_to_you"]
        assert queued["status"] == "pending" and "A poll for Kim" in json.dumps(queued["reply"])

    result = leaders("erase", "kim.chen@manchester.gov.uk", "--yes")
    assert result.returncode == 0 and "Erased kim.chen@manchester.gov.uk" in result.stdout

    with db.session(commit=False) as session:
        assert session.scalar(select(Leader).where(Leader.email_key == "kim.chen@manchester.gov.uk")) is None
        assert session.scalar(select(func.count()).select_from(ChatAccount)) == 0
        assert session.scalar(select(func.count()).select_from(TeamsConversation)) == 0
        # Messages to her are gone too; what is left is the one telling her it is done, without her details.
        [notice] = session.scalars(select(OutboxMessage))
        assert (notice.user_id, notice.status) == ("aad-kim", "pending")
        assert "Your Leaders Connect data has been erased" in json.dumps(notice.reply)
        assert "Kim" not in json.dumps(notice.reply) and "poll" not in json.dumps(notice.reply)
        request = session.scalar(select(ErasureRequest))
        assert request is not None and request.completed_at is not None and request.leader_id is None
        assert search(session, "kim chen") == [] and search(session, "kimm chenn") == []
        terms = set(session.scalars(text("SELECT term FROM search_term")))
        assert "chen" not in terms  # typo correction no longer knows the name
        log = " ".join(f"{e.actor} {e.subject} {e.details}" for e in session.scalars(select(AuditEvent)))
    assert "data.erased" in leaders("audit", "--action", "data.").stdout
    for personal in ("kim.chen", "Kim Chen", "Chen", "aad-kim"):
        assert personal not in log
    assert "No open erasure requests" in leaders("erase", "--pending").stdout
    gone = leaders("erase", "kim.chen@manchester.gov.uk", "--yes")
    assert gone.returncode == 1 and "not in the directory" in gone.stderr


def test_the_audit_log_is_append_only_in_the_database(db: Database) -> None:
    with db.session() as session:
        audit.record(session, "cli:test", "staff.granted", "leader:1")
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), db.session() as session:
            session.execute(text(statement))
    with db.session(commit=False) as session:
        assert session.scalar(select(AuditEvent.actor)) == "cli:test"


def test_unknown_audit_actions_are_a_programming_error(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown audit action"), db.session() as session:
        audit.record(session, "cli:test", "made.up")


def test_contact_disclosures_are_audited_and_ordinary_views_are_not(db: Database) -> None:
    bot = make_bot(db, LEADERS_STAFF_EMAILS="priya.patel@hmrc.gov.uk")
    priya = ChatIdentity("console", "local", "priya", "priya.patel@hmrc.gov.uk")
    render(bot.handle_text(KIM, "profile sean.obrien@scotland.police.uk"))  # phone hidden from Kim
    seen = render(bot.handle_text(priya, "profile sean.obrien@scotland.police.uk"))  # staff see it
    assert "+44 7700 900102" in seen
    render(bot.handle_text(priya, "profile"))  # her own details: not a disclosure
    with db.session(commit=False) as session:
        events = [(e.subject, e.details["fields"], e.details["staff"]) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "contact.disclosed"))]
        sean = session.scalar(select(Leader.id).where(Leader.email_key == "sean.obrien@scotland.police.uk"))
    assert events == [(f"leader:{sean}", ["email", "phone"], True)]


def test_leaders_audit_filters_and_json(db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(db, LEADERS_STAFF_EMAILS="priya.patel@hmrc.gov.uk")
    bot.handle_text(ChatIdentity("console", "local", "priya", "priya.patel@hmrc.gov.uk"),
                    "staff add kim.chen@manchester.gov.uk")
    lines = [json.loads(line) for line in leaders("audit", "--json").stdout.splitlines()]
    granted = [entry for entry in lines if entry["action"] == "staff.granted"]
    assert len(granted) == 1 and granted[0]["subject"].endswith("<kim.chen@manchester.gov.uk>")
    assert re.match(r"\d{4}-\d\d-\d\dT.*\+00:00$", granted[0]["at"])
    by_priya = leaders("audit", "--actor", "priya.patel@hmrc.gov.uk", "--json").stdout.splitlines()
    assert {json.loads(line)["action"] for line in by_priya} == {"staff.granted", "account.linked"}
    assert "No audit entries match" in leaders("audit", "--since", "2999-01-01").stdout
    assert leaders("audit", "--since", "7d", "--json").stdout.count("staff.granted") == 1
    bad = leaders("audit", "--since", "last tuesday")
    assert bad.returncode == 2 and "ISO date" in bad.stderr
