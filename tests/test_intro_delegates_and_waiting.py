"""A recipient not yet in chat (the request waits, and goes out when they first link an account), private
office delegates (they receive the request "on behalf of", may answer it, and the audit log says who did),
and the staff CLI: `leaders intros`, `leaders intros stats`, `leaders delegates`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.engine import Bot
from bot.reply_codec import reply_from_json
from directory import audit
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.intro_reports import add_delegate, listing, stats
from directory.introductions import Introduction
from directory.outbox import SEND, OutboxMessage
from directory.settings import Settings
from tests.helpers import load_sample
from tests.live_helpers import link

AINE = ChatIdentity("slack", "T0001", "UAINE", email="aine.nibhriain@belfastcity.gov.uk")
SEAN = ChatIdentity("slack", "T0001", "USEAN", email="sean.obrien@scotland.police.uk")
PAT = ChatIdentity("teams", "tenant-1", "aad-pat", email="pat.nurse@cardiff.gov.uk")
REASON = "I'd value your experience of major incidents as we plan for winter."


@pytest.fixture
def bot(db: Database) -> Bot:
    load_sample(db)
    link(db, "slack", "T0001", "UAINE", AINE.email or "")
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]


def cards(db: Database) -> dict[str, str]:
    with db.session() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == SEND)
                               .order_by(OutboxMessage.id))
        return {row.dedupe_key: reply_from_json(row.reply).plain() for row in rows}


def the_intro(db: Database) -> Introduction:
    with db.session() as session:
        intro = session.scalars(select(Introduction)).one()
        session.expunge(intro)
        return intro


def test_a_request_waits_for_its_recipient_and_goes_out_when_they_first_link(bot: Bot, db: Database) -> None:
    told = bot.handle_text(AINE, f"intro Seán O'Brien {REASON}").plain()
    assert "Seán O'Brien isn't in Leaders Connect's chat yet: your request will wait" in told
    intro = the_intro(db)
    with db.session() as session:
        assert [line.id for line in listing(session, "waiting")] == [intro.id]
    (only,) = cards(db).values()  # Áine's own card, nothing for Seán
    assert "Waiting for Seán O'Brien to join Leaders Connect in chat" in only
    # Seán's first message links his Slack account by its confirmed email: the request goes out then.
    bot.handle_text(SEAN, "help")
    sent = cards(db)
    (sean_key,) = [k for k in sent if "asks to be introduced" in sent[k]]
    assert sent[sean_key].startswith("Áine Ní Bhriain asks to be introduced to you")
    assert "[Accept]" in sent[sean_key]
    aine_key = next(k for k in sent if k != sean_key)
    assert "Waiting for an answer" in sent[aine_key] and "join Leaders Connect" not in sent[aine_key]
    assert the_intro(db).delivered_at is not None
    with db.session() as session:
        assert listing(session, "waiting") == []
    bot.handle_text(SEAN, "help")  # a later turn delivers nothing twice
    assert len(cards(db)) == 2


def test_a_delegate_receives_the_request_on_behalf_and_answers_it(bot: Bot, db: Database) -> None:
    link(db, "slack", "T0001", "USEAN", SEAN.email or "")
    pat = link(db, "teams", "tenant-1", "aad-pat", PAT.email or "")
    with db.session() as session:
        add_delegate(session, SEAN.email or "", PAT.email or "", "cli:ops")
    bot.handle_text(AINE, f"intro Seán O'Brien {REASON}")
    intro = the_intro(db)
    sent = cards(db)
    assert sent[f"intro:{intro.id}:to:{pat}"].startswith(
        "On behalf of Seán O'Brien: Áine Ní Bhriain asks to be introduced")
    assert "[Block further requests from them]" not in sent[f"intro:{intro.id}:to:{pat}"]  # Seán's own call
    answer = bot.handle_action(PAT, f"intro.accept:{intro.id}~0").plain()
    assert answer.startswith("Introduction accepted on") and "by you" in answer.splitlines()[0]
    done = the_intro(db)
    assert done.status == "accepted"
    with db.session() as session:
        pat_id = session.scalar(select(OutboxMessage.recipient_account_id).where(
            OutboxMessage.dedupe_key == f"intro:{intro.id}:to:{pat}"))
        accepted = list(audit.lines(session, action="intro.accepted"))
        disclosed = list(audit.lines(session, action="contact.disclosed"))
    assert pat_id == pat and done.answered_by_id is not None and done.answered_by_id != done.recipient_id
    assert accepted[0].actor.startswith(f"leader:{done.answered_by_id} ")
    assert accepted[0].details["on_behalf_of"] == f"leader:{done.recipient_id}"
    assert {e.actor.split()[0] for e in disclosed} == {f"leader:{done.answered_by_id}"}
    after = cards(db)
    # The details go to Seán (and Áine), never to the office.
    assert not any(k.startswith(f"intro:{intro.id}:details:{pat}") for k in after)
    assert "by Pat Nurse (private office)" in after[next(k for k in after if k.startswith(
        f"intro:{intro.id}:to:") and "Introduction accepted" in after[k] and not k.endswith(f":{pat}"))]


def test_the_leader_can_still_answer_and_a_stranger_cannot(bot: Bot, db: Database) -> None:
    link(db, "slack", "T0001", "USEAN", SEAN.email or "")
    link(db, "teams", "tenant-1", "aad-pat", PAT.email or "")
    with db.session() as session:
        add_delegate(session, SEAN.email or "", PAT.email or "", "cli:ops")
    bot.handle_text(AINE, f"intro Seán O'Brien {REASON}")
    intro = the_intro(db)
    assert bot.handle_action(SEAN, f"intro.decline:{intro.id}~0").plain().startswith("Declined on")
    assert bot.handle_action(PAT, f"intro.accept:{intro.id}~0").plain().startswith(
        "This request was already declined")
    kim = ChatIdentity("slack", "T0001", "UKIM", email="kim.chen@manchester.gov.uk")
    assert bot.handle_action(kim, f"intro.accept:{intro.id}~1").plain() == \
        "That introduction request is no longer here."


def test_staff_cli_lists_counts_and_manages_delegates(bot: Bot, db: Database, leaders) -> None:  # type: ignore
    link(db, "slack", "T0001", "USEAN", SEAN.email or "")
    pat = link(db, "teams", "tenant-1", "aad-pat", PAT.email or "")
    bot.handle_text(AINE, f"intro Seán O'Brien {REASON}")  # before the office is named
    added = leaders("delegates", "add", SEAN.email or "", PAT.email or "")
    assert added.returncode == 0, added.stderr
    assert "Pat Nurse now receives and answers introduction requests for Seán O'Brien." in added.stdout
    assert leaders("delegates", "add", SEAN.email or "", PAT.email or "").returncode == 1
    assert "sean.obrien@scotland.police.uk <- pat.nurse@cardiff.gov.uk" in leaders("delegates", "list").stdout
    office = [k for k in cards(db) if k.endswith(f":to:{pat}")]
    assert len(office) == 1 and cards(db)[office[0]].startswith("On behalf of Seán O'Brien")
    bot.handle_text(AINE, f'intro "Rosa Lee" {REASON}')
    intro = the_intro_for(db, "sean")
    bot.handle_action(SEAN, f"intro.accept:{intro}~0")
    shown = leaders("intros")
    assert shown.returncode == 0, shown.stderr
    assert "accepted  aine.nibhriain@belfastcity.gov.uk -> sean.obrien@scotland.police.uk" in shown.stdout
    assert "(waiting: recipient not in chat yet)" in shown.stdout and REASON not in shown.stdout
    waiting = leaders("intros", "--status", "waiting", "--json").stdout.splitlines()
    as_json = [json.loads(line) for line in waiting]
    assert [(j["recipient"], j["waiting"]) for j in as_json] == [("rosa.lee@nwas.nhs.uk", True)]
    assert leaders("intros", "--status", "bogus").returncode == 2
    totals = json.loads(leaders("intros", "stats", "--json").stdout)
    assert (totals["requested"], totals["accepted"], totals["open"], totals["waiting"]) == (2, 1, 1, 1)
    assert totals["median_hours_to_answer"] == 0.0 and totals["met"] == 0
    assert "median time to answer" in leaders("intros", "stats").stdout
    assert leaders("delegates", "remove", SEAN.email or "", PAT.email or "").returncode == 0
    assert leaders("delegates", "list").stdout.strip() == "No delegates."
    with db.session() as session:
        assert stats(session)["requested"] == 2
        assert [e.action for e in audit.lines(session, action="intro.delegate")] == [
            "intro.delegate_added", "intro.delegate_removed"]


def the_intro_for(db: Database, who: str) -> int:
    with db.session() as session:
        from directory.people import by_email

        leader = by_email(session, SEAN.email or "")
        assert leader is not None and who == "sean"
        return int(session.scalar(select(Introduction.id).where(Introduction.recipient_id == leader.id)) or 0)


def test_an_office_and_a_leader_who_link_later_each_receive_the_open_requests(bot: Bot, db: Database) -> None:
    """Pat is approved as Seán's delegate before either is in chat; Áine's request waits. Pat links first
    (the request reaches the office, and Áine's card stops saying it waits); Seán links later and gets
    his own card too — he may still answer himself."""
    pat_slack = ChatIdentity("slack", "T0001", "UPAT", email=PAT.email)
    with db.session() as session:
        add_delegate(session, SEAN.email or "", PAT.email or "", "cli:ops")
    bot.handle_text(AINE, f"intro Seán O'Brien {REASON}")
    intro = the_intro(db)
    assert intro.delivered_at is None
    bot.handle_text(pat_slack, "help")
    sent = cards(db)
    behalf = [k for k in sent if sent[k].startswith("On behalf of Seán O'Brien: Áine Ní Bhriain asks")]
    assert len(behalf) == 1
    aine = next(k for k in sent if "Your introduction request to Seán" in sent[k])
    assert "join Leaders Connect" not in sent[aine] and the_intro(db).delivered_at is not None
    bot.handle_text(SEAN, "help")
    sent = cards(db)
    assert [k for k in sent if sent[k].startswith("Áine Ní Bhriain asks to be introduced to you")]
    bot.handle_text(SEAN, "help")
    assert len(cards(db)) == 3  # Áine's, Pat's, Seán's: nothing twice


def test_not_now_from_the_office_says_who_said_it_on_the_leaders_card(bot: Bot, db: Database) -> None:
    sean = link(db, "slack", "T0001", "USEAN", SEAN.email or "")
    pat = link(db, "teams", "tenant-1", "aad-pat", PAT.email or "")
    with db.session() as session:
        add_delegate(session, SEAN.email or "", PAT.email or "", "cli:ops")
    bot.handle_text(AINE, f"intro Seán O'Brien {REASON}")
    intro = the_intro(db)
    assert "You said not now" in bot.handle_action(PAT, f"intro.notnow:{intro.id}~0").plain()
    sent = cards(db)
    assert "Pat Nurse (private office) said not now; we'll ask again on" in \
        sent[f"intro:{intro.id}:to:{sean}"]
    assert "You said not now" in sent[f"intro:{intro.id}:to:{pat}"]


def test_an_unlinked_account_hears_no_more_of_a_request(bot: Bot, db: Database) -> None:
    """Áine asks from Slack, then removes that link (say the account was lost); Seán accepts. Her old
    Slack card is not redrawn with the outcome: that account no longer speaks for her."""
    from directory.accounts import unlink
    from directory.models import ChatAccount, Leader

    link(db, "slack", "T0001", "USEAN", SEAN.email or "")
    bot.handle_text(AINE, f"intro Seán O'Brien {REASON}")
    intro = the_intro(db)
    with db.session() as session:
        account = session.scalars(select(ChatAccount).where(ChatAccount.user_id == "UAINE")).one()
        aine_key = f"intro:{intro.id}:to:{account.id}"
        unlink(session, session.get(Leader, account.leader_id), account.id)  # type: ignore[arg-type]
    before = cards(db)[aine_key]
    assert bot.handle_action(SEAN, f"intro.accept:{intro.id}~0").plain().startswith("Introduction accepted")
    assert cards(db)[aine_key] == before
    with db.session() as session:
        assert not session.scalars(select(OutboxMessage).where(
            OutboxMessage.user_id == "UAINE", OutboxMessage.dedupe_key.contains("details"))).all()
