"""Live cards on Teams, end to end: cards sent through the outbox by a real worker to the fake Bot
Connector, Universal Actions pressed as Teams sends them (`adaptiveCard/action` invokes into
/api/messages), and what the connector records — the invoke answered with the card that replaces the
pressed one, cards sent earlier changed with `update_activity` (PUT), each viewer's own card when Teams
refreshes one, private answers in the 1:1 chat, and a card of 70 KB of non-Latin text trimmed before
Teams would refuse it. The use case is the tests' own handshake (tests/live_usecase.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from adapters.teams.render import MAX_MESSAGE_BYTES, render_card, size_of
from bot.live import queue_card
from bot.replies import Button, Field, PersonCard, Reply, Text
from directory.conversations import ConversationRef, save_reference
from directory.database import Database
from directory.models import ChatAccount
from directory.outbox import SENT
from tests import fakes_teams as teams
from tests import live_usecase as handshake
from tests.fakes_teams import BOT_ID, MAX_MESSAGE_UTF16_BYTES, TENANT, Member, utf16_size
from tests.live_helpers import card_row, deliver, leader, link, outbox_size, updates_of
from tests.teams_server import post, running
from tests.test_teams_http import nodes, submits, texts

SCHEMA = json.loads((Path(__file__).with_name("schemas") / "adaptive-card-1.5.schema.json").read_text())
KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
ROSA = Member("29:1rosa", "aad-rosa-0001", "Rosa Lee", "rosa.lee@nwas.nhs.uk")
CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
def handshakes(db: Database) -> Iterator[None]:
    yield from handshake.handshake_table(db)


def check(card: dict) -> dict:
    jsonschema.Draft6Validator(SCHEMA).validate(card)
    assert size_of(card) < MAX_MESSAGE_BYTES
    return card


def personal_chat(member: Member) -> str:
    return f"a:1personal-{member.aad_object_id}"


def on_teams(db: Database, url: str, member: Member) -> int:
    """A linked Teams account whose 1:1 chat with the bot is known (they have talked to it before)."""
    account = link(db, "teams", TENANT, member.aad_object_id, member.email or "")
    with db.session() as session:
        save_reference(session, ConversationRef(TENANT, member.aad_object_id, personal_chat(member),
                                                "personal", url, BOT_ID, member.id, "Leaders Connect"))
    return account


def begin(db: Database, url: str) -> tuple[int, str, str]:
    """Kim asks Rosa; returns the handshake and the keys of Kim's and Rosa's cards."""
    kim, rosa = on_teams(db, url, KIM), on_teams(db, url, ROSA)
    with db.session() as session:
        shake = handshake.start(session, leader(db, KIM.email or ""), leader(db, ROSA.email or ""))
        return shake.id, f"handshake:{shake.id}:to:{kim}", f"handshake:{shake.id}:to:{rosa}"


def shown(fake: teams.FakeConnector, db: Database, key: str) -> dict:
    """The card as it is in the chat now (after any update), found where the outbox row says."""
    row = card_row(db, key)
    activity = fake.messages[(row.sent_conversation, row.platform_message_id)]
    return check(activity["attachments"][0]["content"])


def button(card: dict, title: str) -> dict:
    return next(b for b in submits(card) if b["title"] == title)


async def press(base: str, url: str, member: Member, card: dict, title: str,
                **extra: object) -> tuple[int, dict]:
    pressed = button(card, title)
    assert pressed["type"] == "Action.Execute" and pressed["verb"] == pressed["data"]["action"]
    return await post(base, teams.card_execute(url, member, pressed["verb"], pressed["data"], **extra))


async def refresh(base: str, url: str, member: Member, card: dict) -> dict:
    """What Teams does as it shows a live card to `member`: run its refresh action, for them."""
    action = card["refresh"]["action"]
    status, body = await post(base, teams.card_execute(url, member, action["verb"], action["data"],
                                                       trigger="automatic"))
    assert status == 200 and body["type"] == CARD
    return check(body["value"])


async def test_live_cards_go_out_addressable_and_refresh_for_their_reader(settings, connector, db,
                                                                         handshakes) -> None:
    fake, url = connector
    _, kim_key, rosa_key = begin(db, url)
    await deliver(db, settings)
    for key, member in ((kim_key, KIM), (rosa_key, ROSA)):
        row = card_row(db, key)
        assert row.status == SENT and row.sent_conversation == personal_chat(member)
        assert row.platform_message_id.startswith("activity-")
        card = shown(fake, db, key)
        assert card["refresh"]["action"]["type"] == "Action.Execute"
        assert card["refresh"]["userIds"] == [f"8:orgid:{member.aad_object_id}"]  # auto-refresh for them
    rosa_card = shown(fake, db, rosa_key)
    assert [b["title"] for b in submits(rosa_card)] == ["Accept", "Decline"]
    assert button(rosa_card, "Accept")["verb"].endswith("~0")  # the revision it was drawn from
    assert texts(shown(fake, db, kim_key)) == ["Waiting for Rosa Lee to answer"]


async def test_each_viewer_sees_their_own_card_when_teams_refreshes_it(settings, connector, db,
                                                                      handshakes) -> None:
    fake, url = connector
    _, kim_key, _ = begin(db, url)
    await deliver(db, settings)
    card = shown(fake, db, kim_key)
    async with running(settings) as (base, _, _):
        assert texts(await refresh(base, url, KIM, card)) == ["Waiting for Rosa Lee to answer"]
        for_rosa = await refresh(base, url, ROSA, card)  # the same card, shown to the one asked
        assert texts(for_rosa)[0] == "Kim Chen would like to shake hands"
        assert [b["title"] for b in submits(for_rosa)] == ["Accept", "Decline"]
        stranger = await refresh(base, url, Member("29:1x", "aad-x", "X", None), card)
        assert "Rosa" not in json.dumps(stranger) and "Kim" not in json.dumps(stranger)


async def test_a_press_is_answered_with_the_new_card_and_the_other_card_is_updated(settings, connector, db,
                                                                                  handshakes) -> None:
    fake, url = connector
    shake_id, kim_key, rosa_key = begin(db, url)
    await deliver(db, settings)
    async with running(settings) as (base, _, _):
        status, body = await press(base, url, ROSA, shown(fake, db, rosa_key), "Accept")
    assert status == 200 and body["statusCode"] == 200 and body["type"] == CARD
    replaced = check(body["value"])
    with db.session() as session:
        shake = session.get(handshake.Handshake, shake_id)
        assert shake is not None and (shake.status, shake.revision) == ("accepted", 1)
        decided = handshake.day(shake.decided_at)
    assert texts(replaced)[0] == f"Handshake accepted on {decided}" and submits(replaced) == []
    assert replaced["refresh"]["userIds"] == [f"8:orgid:{ROSA.aad_object_id}"]
    # Kim's card, sent earlier, is changed where it is, by a worker started afresh.
    posted_before = len(fake.posted())
    await deliver(db, settings)
    kim_row = card_row(db, kim_key)
    paths = [call["path"] for call in fake.updated()]
    assert f"/v3/conversations/{personal_chat(KIM)}/activities/{kim_row.platform_message_id}" in paths
    assert texts(shown(fake, db, kim_key))[0] == f"Handshake accepted on {decided}"
    assert [u.status for u in updates_of(db, kim_key)] == [SENT]
    assert len(fake.posted()) == posted_before  # changed in place, never posted again


async def test_a_stale_press_answers_and_changes_nothing(settings, connector, db, handshakes) -> None:
    fake, url = connector
    shake_id, _, rosa_key = begin(db, url)
    await deliver(db, settings)
    old = shown(fake, db, rosa_key)  # still open on her phone
    async with running(settings) as (base, _, _):
        await press(base, url, ROSA, old, "Accept")
        queued = outbox_size(db)
        for title in ("Decline", "Accept"):
            status, body = await press(base, url, ROSA, old, title)
            assert status == 200 and body["type"] == CARD
            seen = texts(check(body["value"]))
            assert seen[0].startswith("Already accepted on") and seen[1].startswith("Handshake accepted")
    with db.session() as session:
        assert handshake.state(session, shake_id) == ("accepted", 1)
    assert outbox_size(db) == queued


async def test_a_double_click_changes_state_once(settings, connector, db, handshakes) -> None:
    fake, url = connector
    shake_id, kim_key, rosa_key = begin(db, url)
    await deliver(db, settings)
    card = shown(fake, db, rosa_key)
    async with running(settings) as (base, _, _):
        answers = await asyncio.gather(*(press(base, url, ROSA, card, "Accept") for _ in range(3)))
    seen = [texts(body["value"])[0] for _, body in answers]
    assert sum(not s.startswith("Already") for s in seen) == 1
    with db.session() as session:
        assert handshake.state(session, shake_id) == ("accepted", 1)
    assert len(updates_of(db, kim_key)) == 1


async def test_a_press_in_a_group_chat_is_answered_in_the_1_to_1_chat(settings, connector, db) -> None:
    """Teams has no ephemeral messages: an answer to one person's press goes to their chat with the bot."""
    fake, url = connector
    fake.members[KIM.id] = KIM
    on_teams(db, url, KIM)
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, KIM, "find rosa lee"))
        results = check(fake.posted()[-1]["attachments"][0]["content"])
        before = len(fake.posted())
        status, body = await press(base, url, KIM, results, "View profile", conversation=teams.group_chat())
    assert status == 200
    assert body == {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                    "value": "I've sent you my answer in our private chat."}
    (answer,) = fake.posted()[before:]
    assert answer["conversation"]["id"] == personal_chat(KIM)
    assert texts(check(answer["attachments"][0]["content"]))[0] == "Rosa Lee"
    assert not any("19:group" in call["path"] for call in fake.calls)  # nothing said in the group


SLAVIC_PEOPLE = 41  # ~70 KB of card as UTF-8, rendered literally (RichTextBlocks of TextRuns)


def slavic_results(people: int = SLAVIC_PEOPLE) -> Reply:
    """Search results in Ukrainian: about 70 KB as UTF-8, far more as UTF-16 (every ASCII character of the
    card's JSON counts two bytes there)."""
    bio = "Керівник програми цифрової трансформації, відповідає за кібербезпеку та стійкість. " * 4
    return Reply((Text("Результати пошуку", "heading"), *(
        PersonCard(i, f"Олександра Петренко-Коваленко {i}", "Головна виконавча директорка, Обласна рада",
                   (Field("Where", "Scotland · Policing"), Field("About", bio)), "Verified by staff import",
                   (Button("View profile", f"profile.view:{i}", "primary"),)) for i in range(people))))


async def test_a_70_kb_card_of_non_latin_text_is_trimmed_before_teams_would_refuse_it(settings, connector,
                                                                                      db) -> None:
    fake, url = connector
    reply = slavic_results()
    whole = render_card(reply, max_bytes=10**9)
    assert 65_000 < len(json.dumps(whole, ensure_ascii=False).encode("utf-8")) < 75_000  # "70 KB"
    assert utf16_size(whole) > MAX_MESSAGE_UTF16_BYTES  # as Teams counts it: over its limit
    account_id = on_teams(db, url, KIM)
    with db.session() as session:
        account = session.get(ChatAccount, account_id)
        assert account is not None
        queue_card(session, account, reply, "digest:1:to:kim")
    await deliver(db, settings)
    row = card_row(db, "digest:1:to:kim")
    assert row.status == SENT, row.last_error  # the fake connector refuses over 100 KB: it was not
    (activity,) = fake.posted()
    assert utf16_size(activity) < 80_000  # the whole message, as Teams counts it: under 80 KB
    card = check(activity["attachments"][0]["content"])
    people = [n for n in nodes(card) if n.get("type") == "Container"]
    assert 0 < len(people) < SLAVIC_PEOPLE
    assert texts(card)[-1].startswith(f"…and {SLAVIC_PEOPLE - len(people)} more")


async def test_teams_refusing_a_message_as_too_big_fails_it_at_once(settings, connector, db) -> None:
    """Were a message ever too big (the renderer prevents it), retrying would not help: it fails at once."""
    fake, url = connector
    fake.fail_next = [(413, {}, "MessageSizeTooBig")]
    account_id = on_teams(db, url, KIM)
    with db.session() as session:
        account = session.get(ChatAccount, account_id)
        assert account is not None
        queue_card(session, account, Reply((Text("Hello", "heading"),)), "hello:to:kim")
    await deliver(db, settings)
    row = card_row(db, "hello:to:kim")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "Teams refused: HTTP 413 MessageSizeTooBig"
