"""`accounts` is a live card, on both platforms through real HTTP: pressing "Remove this link" replaces
the list with the list as it is now; pressing Remove on an old copy of the list (the link is gone
already) says when it was removed and changes nothing; a double-click removes — and audits — once; and
on Teams the card redraws itself for its reader."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from directory.database import Database
from directory.models import AuditEvent, ChatAccount
from tests import fakes_teams as teams
from tests.fakes_teams import TENANT, Member
from tests.live_helpers import link
from tests.slack_fakes import FakeSlack, RunningServer, texts
from tests.slack_limits import check_message
from tests.teams_server import post, running
from tests.test_live_cards_teams import check, submits
from tests.test_teams_http import cards_of
from tests.test_teams_http import texts as card_texts

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")


def removals(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).where(AuditEvent.action == "account.unlinked")) or 0)


def revoked(db: Database, account_id: int) -> bool:
    with db.session() as session:
        account = session.get(ChatAccount, account_id)
        return account is not None and account.revoked_at is not None


async def listing(server: RunningServer, fake: FakeSlack, key: str) -> dict:
    await server.slash("accounts", AINE[0], response_url=fake.response_url(key))
    return await answered(fake, key)


async def answered(fake: FakeSlack, key: str) -> dict:
    found = await fake.wait_for(lambda: [b for p, b in fake.responses if p == f"/response/{key}"])
    return found[-1]


def remove_buttons(blocks: list[dict]) -> list[str]:
    return [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]
            if e["text"]["text"] == "Remove this link"]


async def test_slack_removing_a_link_redraws_the_list_and_an_old_copy_changes_nothing(
        server: RunningServer, fake_slack: FakeSlack, db: Database) -> None:
    first = await listing(server, fake_slack, "list")  # links Áine's Slack account on the way
    teams_link = link(db, "teams", TENANT, "aad-aine", AINE[1])
    other_link = link(db, "slack", "T0009", "UAINE9", AINE[1])
    shown = await listing(server, fake_slack, "list2")
    assert len(remove_buttons(shown["blocks"])) == 3 and first != shown
    await server.press(f"accounts.unlink:{teams_link}", AINE[0], response_url=fake_slack.response_url("ask"))
    asked = await answered(fake_slack, "ask")  # "Remove this link" asks first, in place
    assert asked["replace_original"] is True and "Remove this link?" in texts(asked["blocks"])
    assert not revoked(db, teams_link) and removals(db) == 0
    await server.press(f"accounts.remove:{teams_link}", AINE[0], response_url=fake_slack.response_url("rm"))
    replaced = await answered(fake_slack, "rm")
    assert replaced["replace_original"] is True
    check_message(replaced)
    seen = texts(replaced["blocks"])
    assert "Removed: Microsoft Teams account in" in seen and "Chat accounts linked to your profile" in seen
    assert len(remove_buttons(replaced["blocks"])) == 2 and revoked(db, teams_link) and removals(db) == 1
    # The same button on the list as it was before (another device, a second click later): no change.
    await server.press(f"accounts.unlink:{teams_link}", AINE[0],
                       response_url=fake_slack.response_url("again"))
    stale = await answered(fake_slack, "again")
    assert stale["replace_original"] is True and "That link was already removed on" in texts(stale["blocks"])
    assert len(remove_buttons(stale["blocks"])) == 2 and removals(db) == 1
    # A double-click on another link: removed once, audited once.
    clicks = [server.press(f"accounts.remove:{other_link}", AINE[0],
                           response_url=fake_slack.response_url(f"dbl{n}")) for n in range(2)]
    await asyncio.gather(*clicks)
    answers = [texts((await answered(fake_slack, f"dbl{n}"))["blocks"]) for n in range(2)]
    assert sorted("already removed" in a for a in answers) == [False, True]
    assert revoked(db, other_link) and removals(db) == 2


async def test_teams_removing_a_link_answers_the_invoke_with_the_new_list_and_the_card_redraws_itself(
        settings, connector, db: Database) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, KIM, "profile"))  # links Kim's Teams account
        slack_link = link(db, "slack", "T0001", "UKIM", KIM.email or "")
        await post(base, teams.message(url, KIM, "accounts"))
        (card,) = cards_of(fake.posted()[-1])
        check(card)
        assert card["refresh"]["userIds"] == [f"8:orgid:{KIM.aad_object_id}"]
        ask = next(b for b in submits(card) if b["data"]["action"] == f"accounts.unlink:{slack_link}")
        status, body = await post(base, teams.card_execute(url, KIM, ask["verb"], ask["data"]))
        assert card_texts(check(body["value"]))[0].startswith("Remove this link? Slack account in T0001")
        assert not revoked(db, slack_link)
        remove = next(b for b in submits(body["value"])
                      if b["data"]["action"] == f"accounts.remove:{slack_link}")
        status, body = await post(base, teams.card_execute(url, KIM, remove["verb"], remove["data"]))
        assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        shown = card_texts(check(body["value"]))
        assert shown[0].startswith("Removed: Slack account in T0001") and len(submits(body["value"])) == 1
        assert revoked(db, slack_link) and removals(db) == 1
        status, body = await post(base, teams.card_execute(url, KIM, remove["verb"], remove["data"]))
        assert card_texts(check(body["value"]))[0].startswith("That link was already removed on")
        assert removals(db) == 1
        # Shown again later (say, on another device), the old card asks for its current state.
        action = card["refresh"]["action"]
        status, body = await post(base, teams.card_execute(url, KIM, action["verb"], action["data"],
                                                           trigger="automatic"))
        assert status == 200 and len(submits(check(body["value"]))) == 1
        assert "Slack account" not in " ".join(card_texts(body["value"]))
