"""Live cards on Slack, end to end: cards sent through the outbox by a real worker to the fake Slack Web
API, buttons pressed as Slack sends them (signed `block_actions` over HTTP), and what the fake records —
messages replaced through `response_url`, cards sent earlier changed with `chat.update`. The use case is
the tests' own handshake (tests/live_usecase.py), built on bot/live.py like introductions and polls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.live import CardUpdate, update_card
from bot.replies import Reply, Text
from directory.database import Database
from directory.outbox import PENDING, SENT
from tests import live_usecase as handshake
from tests.helpers import load_sample
from tests.live_helpers import card_row, deliver, leader, link, outbox_size, slack_buttons, updates_of
from tests.slack_fakes import FakeSlack, RunningServer, start_server, stop_server, texts
from tests.slack_limits import check_message

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
SEAN = ("USEAN", "sean.obrien@scotland.police.uk")


@pytest.fixture
def handshakes(db: Database) -> Iterator[None]:
    yield from handshake.handshake_table(db)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails={AINE[0]: AINE[1], SEAN[0]: SEAN[1]}).start()
    yield fake
    await fake.stop()


@pytest.fixture
async def server(db: Database, database_url: str, fake_slack: FakeSlack,
                 handshakes: None) -> AsyncIterator[RunningServer]:
    load_sample(db)
    running = await start_server(database_url, fake_slack)
    yield running
    await stop_server(running)


def begin(db: Database) -> tuple[int, str, str]:
    """Áine asks Seán; returns the handshake and the keys of Áine's and Seán's cards."""
    aine_account = link(db, "slack", "T0001", *AINE)
    sean_account = link(db, "slack", "T0001", *SEAN)
    with db.session() as session:
        shake = handshake.start(session, leader(db, AINE[1]), leader(db, SEAN[1]))
        return shake.id, f"handshake:{shake.id}:to:{aine_account}", f"handshake:{shake.id}:to:{sean_account}"


def shown(fake: FakeSlack, db: Database, key: str) -> dict:
    """The message as it is on Slack now (after any chat.update), found where the outbox row says."""
    row = card_row(db, key)
    return fake.messages[(row.sent_conversation, row.platform_message_id)]


async def press_on_card(server: RunningServer, fake: FakeSlack, db: Database, key: str, label: str,
                        user: str, response: str, **extra: object) -> tuple[int, str]:
    row = card_row(db, key)
    value = slack_buttons(shown(fake, db, key)["blocks"])[label]
    return await server.press(value, user, response_url=fake.response_url(response),
                              channel_id=row.sent_conversation, message_ts=row.platform_message_id,
                              is_ephemeral=False, **extra)


async def answer(fake: FakeSlack, response: str) -> dict:
    path = f"/response/{response}"
    found = await fake.wait_for(lambda: [body for p, body in fake.responses if p == path])
    return found[-1]


async def test_cards_go_out_addressable_and_are_never_unfurled(server, fake_slack, db) -> None:
    _, aine_key, sean_key = begin(db)
    await deliver(db, server.services.settings)
    posts = fake_slack.called("chat.postMessage")
    assert sorted(p.body["channel"] for p in posts) == ["UAINE", "USEAN"]  # each leader's DM with the app
    assert all(p.body["unfurl_links"] is False and p.body["unfurl_media"] is False for p in posts)
    for key, who in ((aine_key, "UAINE"), (sean_key, "USEAN")):
        row = card_row(db, key)
        assert row.status == SENT and row.sent_conversation == "D" + who[1:] and row.platform_message_id
        check_message(shown(fake_slack, db, key))
    assert "Waiting for Seán O'Brien to answer" in texts(shown(fake_slack, db, aine_key)["blocks"])
    buttons = slack_buttons(shown(fake_slack, db, sean_key)["blocks"])
    assert set(buttons) == {"Accept", "Decline"} and buttons["Accept"].endswith("~0")  # the revision


async def test_a_press_replaces_its_card_and_the_other_card_is_updated_in_place(server, fake_slack,
                                                                               db) -> None:
    shake_id, aine_key, sean_key = begin(db)
    await deliver(db, server.services.settings)
    status, _ = await press_on_card(server, fake_slack, db, sean_key, "Accept", SEAN[0], "accept")
    assert status == 200
    replaced = await answer(fake_slack, "accept")
    assert replaced["replace_original"] is True and "response_type" not in replaced
    check_message(replaced)
    with db.session() as session:
        shake = session.get(handshake.Handshake, shake_id)
        assert shake is not None and (shake.status, shake.revision) == ("accepted", 1)
        decided = handshake.day(shake.decided_at)
    assert f"Handshake accepted on {decided}" in texts(replaced["blocks"])
    assert slack_buttons(replaced["blocks"]) == {}  # nothing left to press
    # Áine's card, sent earlier, is redrawn where it is — by a worker started afresh.
    assert [u.status for u in updates_of(db, aine_key)] == [PENDING]
    await deliver(db, server.services.settings)
    updates = fake_slack.called("chat.update")
    aine_row = card_row(db, aine_key)
    assert (aine_row.sent_conversation, aine_row.platform_message_id) in \
        {(u.body["channel"], u.body["ts"]) for u in updates}
    assert f"Handshake accepted on {decided}" in texts(shown(fake_slack, db, aine_key)["blocks"])
    assert [u.status for u in updates_of(db, aine_key)] == [SENT]
    assert len(fake_slack.called("chat.postMessage")) == 2  # updated, never re-posted
    for update in updates:
        check_message(update.body)


async def test_a_stale_press_answers_and_changes_nothing(server, fake_slack, db) -> None:
    shake_id, _, sean_key = begin(db)
    await deliver(db, server.services.settings)
    row = card_row(db, sean_key)
    old_card = slack_buttons(shown(fake_slack, db, sean_key)["blocks"])  # kept open on another device
    await press_on_card(server, fake_slack, db, sean_key, "Accept", SEAN[0], "first")
    await answer(fake_slack, "first")
    queued = outbox_size(db)
    for label, response in (("Decline", "stale-decline"), ("Accept", "stale-accept")):
        await server.press(old_card[label], SEAN[0], response_url=fake_slack.response_url(response),
                           channel_id=row.sent_conversation, message_ts=row.platform_message_id,
                           is_ephemeral=False)
        stale = await answer(fake_slack, response)
        assert stale["replace_original"] is True  # the out-of-date card is refreshed …
        seen = texts(stale["blocks"])
        assert "Already accepted on" in seen and "Handshake accepted on" in seen
        assert slack_buttons(stale["blocks"]) == {}
    with db.session() as session:
        assert handshake.state(session, shake_id) == ("accepted", 1)  # … and nothing else happens
    assert outbox_size(db) == queued


async def test_a_double_click_and_a_slack_retry_change_state_once(server, fake_slack, db) -> None:
    shake_id, aine_key, sean_key = begin(db)
    await deliver(db, server.services.settings)
    presses = [press_on_card(server, fake_slack, db, sean_key, "Accept", SEAN[0], f"click-{n}")
               for n in range(2)]
    presses.append(press_on_card(server, fake_slack, db, sean_key, "Accept", SEAN[0], "retry",
                                 headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}))
    assert [status for status, _ in await asyncio.gather(*presses)] == [200, 200, 200]
    answers = [texts((await answer(fake_slack, r))["blocks"]) for r in ("click-0", "click-1", "retry")]
    assert sum("Already accepted" not in a for a in answers) == 1  # one press won …
    assert sum("Already accepted" in a for a in answers) == 2  # … the others were told
    with db.session() as session:
        assert handshake.state(session, shake_id) == ("accepted", 1)
    assert len(updates_of(db, aine_key)) == 1


async def test_an_update_asked_for_before_the_card_was_sent_is_what_is_sent(server, fake_slack, db) -> None:
    _, aine_key, _ = begin(db)
    with db.session() as session:
        assert update_card(session, aine_key, Reply((Text("Changed before it left", "heading"),))) == \
            CardUpdate.MERGED
    await deliver(db, server.services.settings)
    assert "Changed before it left" in texts(shown(fake_slack, db, aine_key)["blocks"])
    assert fake_slack.called("chat.update") == [] and updates_of(db, aine_key) == []


async def test_several_updates_in_a_moment_collapse_into_one_redraw(server, fake_slack, db) -> None:
    _, aine_key, _ = begin(db)
    await deliver(db, server.services.settings)
    with db.session() as session:
        for n in range(1, 4):
            assert update_card(session, aine_key, Reply((Text(f"Version {n}", "heading"),))) == \
                CardUpdate.QUEUED
    assert len(updates_of(db, aine_key)) == 1
    await deliver(db, server.services.settings)
    (redraw,) = fake_slack.called("chat.update")
    assert "Version 3" in texts(redraw.body["blocks"])
    assert "Version 3" in texts(shown(fake_slack, db, aine_key)["blocks"])


async def test_an_update_of_a_card_slack_no_longer_has_fails_with_the_reason(server, fake_slack, db) -> None:
    _, aine_key, _ = begin(db)
    await deliver(db, server.services.settings)
    fake_slack.messages.clear()  # the leader deleted the message
    with db.session() as session:
        update_card(session, aine_key, Reply((Text("Too late", "heading"),)))
    await deliver(db, server.services.settings)
    (failed,) = updates_of(db, aine_key)
    assert (failed.status, failed.last_error) == ("failed", "Slack refused: message_not_found")
