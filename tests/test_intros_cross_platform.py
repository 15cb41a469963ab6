"""Introductions end to end, across Slack and Teams, through real HTTP: a signed slash command or a Teams
message asks, a real delivery worker sends the cards to the fake Slack Web API and the fake Bot Connector,
the recipient answers on the card (Teams `Action.Execute` invoke, Slack `block_actions`), and what both
fakes recorded is checked: the details each side received, both cards changed in place, nothing at
`introduced` level anywhere before Accept, one state change for a double-click or a Slack retry."""

from __future__ import annotations

import asyncio
import json

import pytest

from directory import audit
from directory.database import Database
from directory.introductions import Introduction
from tests import fakes_teams as teams
from tests.intro_helpers import (
    AINE,
    REASON,
    SEAN,
    SEAN_PHONE,
    both,
    everything_recorded,
    on_slack,
    on_teams,
    only_intro,
    personal_chat,
    seen,
    serving,
    slack_card,
    teams_card,
)
from tests.live_helpers import card_row, deliver, slack_buttons, updates_of
from tests.slack_fakes import FakeSlack
from tests.teams_server import post
from tests.test_teams_http import submits, texts

SEAN_SECRETS = (SEAN.email or "", SEAN_PHONE)
AINE_SECRETS = (AINE[1], AINE[2])


@pytest.fixture
async def fake_slack():  # type: ignore[no-untyped-def]
    fake = await FakeSlack(emails={AINE[0]: AINE[1]}).start()
    yield fake
    await fake.stop()


@pytest.fixture
def setup(settings, fake_slack, connector):  # type: ignore[no-untyped-def]
    return both(settings, fake_slack), fake_slack, connector[0], connector[1]


def teams_press_data(card: dict, title: str) -> tuple[str, dict]:
    pressed = next(b for b in submits(card) if b["title"] == title)
    assert pressed["type"] == "Action.Execute"
    return pressed["verb"], pressed["data"]


async def slack_asks(base_slack, fake: FakeSlack, text: str) -> dict:  # type: ignore[no-untyped-def]
    status, _ = await base_slack.slash(text, AINE[0], response_url=fake.response_url("ask"))
    assert status == 200
    found = await fake.wait_for(lambda: [b for p, b in fake.responses if p == "/response/ask"])
    return found[-1]


async def test_a_slack_leader_asks_a_teams_leader_who_accepts_on_the_card(setup, db: Database) -> None:
    settings, fake_slack, connector, url = setup
    aine, sean = on_slack(db), on_teams(db, url, SEAN)
    async with serving(settings) as (base, slack):
        answer = await slack_asks(slack, fake_slack, f"intro Seán O'Brien {REASON}")
        assert "Your request is on its way to Seán O'Brien" in json.dumps(answer, ensure_ascii=False)
        intro = only_intro(db)
        assert (intro.status, intro.reason) == ("requested", REASON)
        await deliver(db, settings)
        aine_key, sean_key = f"intro:{intro.id}:to:{aine}", f"intro:{intro.id}:to:{sean}"
        # Seán's card, in Teams: who asks, how we know it is them, why, and the three answers.
        card = teams_card(connector, db, sean_key)
        shown = texts(card)
        assert shown[0] == "Áine Ní Bhriain asks to be introduced to you"
        assert any("Verified by staff import" in t for t in shown) and any(REASON in t for t in shown)
        assert any("Director of Finance, Belfast City Council" in t for t in shown)
        assert [b["title"] for b in submits(card)][:3] == ["Accept", "Not now", "Decline"]
        # Áine's own copy, in Slack, with Withdraw.
        assert "Withdraw" in slack_buttons(slack_card(fake_slack, db, aine_key)["blocks"])
        # Privacy: nothing at `introduced` level has moved, either way.
        recorded = everything_recorded(fake_slack, connector)
        assert seen(recorded, *SEAN_SECRETS) == [] and seen(recorded, *AINE_SECRETS) == []

        verb, data = teams_press_data(card, "Accept")
        status, body = await post(base, teams.card_execute(url, SEAN, verb, data))
        assert status == 200 and body["statusCode"] == 200
        assert texts(body["value"])[0].startswith("Introduction accepted on")
    await deliver(db, settings)
    with db.session() as session:
        done = session.get(Introduction, intro.id)
        assert done is not None and (done.status, done.revision, done.answered_by_id) == (
            "accepted", 1, done.recipient_id)
        disclosed = [e for e in audit.lines(session, action="contact.disclosed")]
    # Both receive each other's details, on their own platform.
    aine_details = [c.body for c in fake_slack.called("chat.postMessage")
                    if "You've been introduced to Seán O'Brien" in json.dumps(c.body, ensure_ascii=False)]
    assert len(aine_details) == 1 and seen(json.dumps(aine_details), *SEAN_SECRETS) == list(SEAN_SECRETS)
    assert "uses Microsoft Teams and you use Slack" in json.dumps(aine_details, ensure_ascii=False)
    sean_details = [a for a in connector.posted()
                    if "You've been introduced to Áine" in json.dumps(a, ensure_ascii=False)]
    assert len(sean_details) == 1 and seen(json.dumps(sean_details, ensure_ascii=False),
                                           *AINE_SECRETS) == list(AINE_SECRETS)
    assert sean_details[0]["conversation"]["id"] == personal_chat(SEAN)
    # Both cards changed in place: Slack chat.update, Teams update_activity.
    assert [u.status for u in updates_of(db, aine_key)] == ["sent"]
    assert "Introduced to Seán O'Brien on" in json.dumps(slack_card(fake_slack, db, aine_key),
                                                         ensure_ascii=False)
    assert "Withdraw" not in slack_buttons(slack_card(fake_slack, db, aine_key)["blocks"])
    assert fake_slack.called("chat.update")
    assert texts(teams_card(connector, db, sean_key))[0].startswith("Introduction accepted on")
    assert not fake_slack.called("conversations.open")  # different platforms: no group DM
    # Every disclosure is in the audit log: one per side, with the fields.
    assert sorted((e.subject.split()[0], tuple(e.details["fields"])) for e in disclosed) == sorted(
        [(f"leader:{intro.recipient_id}", ("email", "phone")), (f"leader:{intro.requester_id}",
                                                                 ("email", "phone"))])


async def test_a_teams_leader_asks_a_slack_leader_who_accepts_in_slack(setup, db: Database) -> None:
    settings, fake_slack, connector, url = setup
    aine, sean = on_slack(db), on_teams(db, url, SEAN)
    async with serving(settings) as (base, slack):
        status, _ = await post(base, teams.message(url, SEAN, f'intro "Áine Ní Bhriain" {REASON}'))
        assert status in (200, 201)
        assert "Your request is on its way to Áine Ní Bhriain" in json.dumps(connector.posted()[-1],
                                                                           ensure_ascii=False)
        intro = only_intro(db)
        await deliver(db, settings)
        aine_key, sean_key = f"intro:{intro.id}:to:{aine}", f"intro:{intro.id}:to:{sean}"
        recorded = everything_recorded(fake_slack, connector)
        assert seen(recorded, *AINE_SECRETS) == [] and seen(recorded, *SEAN_SECRETS) == []
        row = card_row(db, aine_key)
        value = slack_buttons(slack_card(fake_slack, db, aine_key)["blocks"])["Accept"]
        status, _ = await slack.press(value, AINE[0], response_url=fake_slack.response_url("yes"),
                                      channel_id=row.sent_conversation, message_ts=row.platform_message_id,
                                      is_ephemeral=False)
        assert status == 200
        found = await fake_slack.wait_for(
            lambda: [b for p, b in fake_slack.responses if p == "/response/yes"])
        assert found[-1]["replace_original"] is True
        assert "Introduction accepted on" in json.dumps(found[-1], ensure_ascii=False)
    await deliver(db, settings)
    sean_details = [a for a in connector.posted() if "You've been introduced to Áine" in
                    json.dumps(a, ensure_ascii=False)]
    assert len(sean_details) == 1 and seen(json.dumps(sean_details, ensure_ascii=False), *AINE_SECRETS)
    assert [u.status for u in updates_of(db, sean_key)] == ["sent"]
    assert texts(teams_card(connector, db, sean_key))[0].startswith("Introduced to Áine Ní Bhriain on")


async def test_a_decline_tells_the_requester_kindly_and_shares_nothing(setup, db: Database) -> None:
    settings, fake_slack, connector, url = setup
    aine, sean = on_slack(db), on_teams(db, url, SEAN)
    async with serving(settings) as (base, slack):
        await slack_asks(slack, fake_slack, f"intro Seán O'Brien {REASON}")
        intro = only_intro(db)
        await deliver(db, settings)
        verb, data = teams_press_data(teams_card(connector, db, f"intro:{intro.id}:to:{sean}"), "Decline")
        _, body = await post(base, teams.card_execute(url, SEAN, verb, data))
        assert texts(body["value"])[0].startswith("Declined on")
    await deliver(db, settings)
    aine_card = json.dumps(slack_card(fake_slack, db, f"intro:{intro.id}:to:{aine}"), ensure_ascii=False)
    assert "isn't able to take this up at the moment" in aine_card and "no reason is needed" in aine_card
    told = [c.body for c in fake_slack.called("chat.postMessage")
            if "About your introduction request to Seán O'Brien" in json.dumps(c.body, ensure_ascii=False)]
    assert len(told) == 1 and told[0]["channel"] == AINE[0]
    recorded = everything_recorded(fake_slack, connector)
    assert seen(recorded, *SEAN_SECRETS) == [] and seen(recorded, *AINE_SECRETS) == []


async def test_a_stale_card_and_a_double_click_change_the_state_once(setup, db: Database) -> None:
    settings, fake_slack, connector, url = setup
    on_slack(db)
    sean = on_teams(db, url, SEAN)
    async with serving(settings) as (base, slack):
        await slack_asks(slack, fake_slack, f"intro Seán O'Brien {REASON}")
        intro = only_intro(db)
        await deliver(db, settings)
        old = teams_card(connector, db, f"intro:{intro.id}:to:{sean}")
        verb, data = teams_press_data(old, "Accept")
        answers = await asyncio.gather(*(post(base, teams.card_execute(url, SEAN, verb, data))
                                         for _ in range(3)))
        firsts = [texts(body["value"])[0] for _, body in answers]
        assert sum(f.startswith("Introduction accepted") for f in firsts) == 1, firsts
        # The old card, pressed again later: Decline is refused, with what happened.
        verb, data = teams_press_data(old, "Decline")
        _, body = await post(base, teams.card_execute(url, SEAN, verb, data))
        assert texts(body["value"])[0].startswith("This introduction was already accepted")
    with db.session() as session:
        done = session.get(Introduction, intro.id)
        assert done is not None and (done.status, done.revision) == ("accepted", 1)
        assert len(list(audit.lines(session, action="contact.disclosed"))) == 2
        assert len(list(audit.lines(session, action="intro.accepted"))) == 1


async def test_a_slack_retry_of_a_press_changes_the_state_once(setup, db: Database) -> None:
    settings, fake_slack, _, url = setup
    aine = on_slack(db)
    on_teams(db, url, SEAN)
    async with serving(settings) as (base, slack):
        await post(base, teams.message(url, SEAN, f"intro aine ní bhriain {REASON}"))
        intro = only_intro(db)
        await deliver(db, settings)
        key = f"intro:{intro.id}:to:{aine}"
        row = card_row(db, key)
        value = slack_buttons(slack_card(fake_slack, db, key)["blocks"])["Accept"]
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
        for attempt, headers in enumerate(({}, retry)):
            status, _ = await slack.press(value, AINE[0], headers=headers,
                                          response_url=fake_slack.response_url(f"r{attempt}"),
                                          channel_id=row.sent_conversation,
                                          message_ts=row.platform_message_id, is_ephemeral=False)
            assert status == 200
        await fake_slack.wait_for(lambda: [p for p, _ in fake_slack.responses if p == "/response/r0"])
    with db.session() as session:
        done = session.get(Introduction, intro.id)
        assert done is not None and (done.status, done.revision) == ("accepted", 1)
        assert len(list(audit.lines(session, action="intro.accepted"))) == 1


async def test_withdraw_updates_both_cards(setup, db: Database) -> None:
    settings, fake_slack, connector, url = setup
    aine, sean = on_slack(db), on_teams(db, url, SEAN)
    async with serving(settings) as (base, slack):
        await slack_asks(slack, fake_slack, f"intro Seán O'Brien {REASON}")
        intro = only_intro(db)
        await deliver(db, settings)
        key = f"intro:{intro.id}:to:{aine}"
        row = card_row(db, key)
        value = slack_buttons(slack_card(fake_slack, db, key)["blocks"])["Withdraw"]
        await slack.press(value, AINE[0], response_url=fake_slack.response_url("w"),
                          channel_id=row.sent_conversation, message_ts=row.platform_message_id,
                          is_ephemeral=False)
        found = await fake_slack.wait_for(lambda: [b for p, b in fake_slack.responses if p == "/response/w"])
        assert "You withdrew this request on" in json.dumps(found[-1])
        # Seán's old card: Accept now says it was withdrawn, and changes nothing.
        old = teams_card(connector, db, f"intro:{intro.id}:to:{sean}")
        verb, data = teams_press_data(old, "Accept")
        _, body = await post(base, teams.card_execute(url, SEAN, verb, data))
        assert texts(body["value"])[0].startswith("This request was withdrawn")
    await deliver(db, settings)
    assert "withdrew this request" in texts(teams_card(connector, db, f"intro:{intro.id}:to:{sean}"))[0]
    assert only_intro(db).status == "withdrawn"
    recorded = everything_recorded(fake_slack, connector)
    assert seen(recorded, *SEAN_SECRETS) == [] and seen(recorded, *AINE_SECRETS) == []


async def test_both_on_slack_in_one_workspace_get_a_group_dm(setup, db: Database) -> None:
    settings, fake_slack, _, _ = setup
    fake_slack.emails["UPAT"] = "pat.nurse@cardiff.gov.uk"
    aine = on_slack(db)
    pat = on_slack(db, ("UPAT", "pat.nurse@cardiff.gov.uk"))
    async with serving(settings) as (_, slack):
        await slack_asks(slack, fake_slack, f"intro pat.nurse@cardiff.gov.uk {REASON}")
        fake_slack.responses.clear()
        await slack_asks(slack, fake_slack, f"intro Pat Nurse {REASON}")
        intro = only_intro(db)
        await deliver(db, settings)
        key = f"intro:{intro.id}:to:{pat}"
        row = card_row(db, key)
        value = slack_buttons(slack_card(fake_slack, db, key)["blocks"])["Accept"]
        await slack.press(value, "UPAT", response_url=fake_slack.response_url("p"),
                          channel_id=row.sent_conversation, message_ts=row.platform_message_id,
                          is_ephemeral=False)
        await fake_slack.wait_for(lambda: [b for p, b in fake_slack.responses if p == "/response/p"])
    await deliver(db, settings)
    (opened,) = fake_slack.called("conversations.open")
    assert sorted(opened.body["users"].split(",")) == ["UAINE", "UPAT"]
    posted = [c.body for c in fake_slack.called("chat.postMessage")
              if str(c.body.get("channel", "")).startswith("G")]
    assert len(posted) == 1 and "Áine Ní Bhriain, meet Pat Nurse" in json.dumps(posted, ensure_ascii=False)
    assert aine != pat
