"""Teams end to end, unauthenticated local mode: activities shaped like Teams' go into POST /api/messages
of the real server; the bot's replies land on a fake Bot Connector (the activities' serviceUrl)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from directory.conversations import TeamsConversation, load_reference
from directory.models import ChatAccount
from tests import fakes_teams as teams
from tests.fakes_teams import TENANT, Member
from tests.teams_server import post, running

SCHEMAS = Path(__file__).with_name("schemas")  # vendored copies of ../shared/schemas
SCHEMA = json.loads((SCHEMAS / "adaptive-card-1.5.schema.json").read_text())
KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
STRANGER = Member("29:1stranger", "aad-stranger", "Sam Stranger", "sam@example.com")
UPN_ONLY = Member("29:1aine", "aad-aine", "Áine Ní Bhriain", None, upn="aine.nibhriain@belfastcity.gov.uk")


def cards_of(activity: dict) -> list[dict]:
    cards = [a["content"] for a in activity.get("attachments", [])]
    for card in cards:
        jsonschema.Draft6Validator(SCHEMA).validate(card)
        assert len(json.dumps(activity).encode()) < 80_000
    return cards


def nodes(card: object) -> Iterator[dict]:
    """Every JSON object in a card, depth first: the one walker the helpers below share."""
    if isinstance(card, dict):
        yield card
        for value in card.values():
            yield from nodes(value)
    elif isinstance(card, list):
        for value in card:
            yield from nodes(value)


def texts(card: dict) -> list[str]:
    """What a reader sees in each text element, in order (a RichTextBlock's runs joined). A TextBlock or
    FactSet would render Markdown, so the bot must never send one (adapters/teams/literal.py)."""
    found: list[str] = []
    for node in nodes(card):
        assert node.get("type") not in ("TextBlock", "FactSet"), node
        if node.get("type") == "RichTextBlock":
            found.append("".join(inline["text"] for inline in node["inlines"]))
    return found


def submits(card: dict) -> list[dict]:
    """The buttons a person can press on a card (its `refresh` action is not one of them)."""
    return [node for node in nodes(card.get("body", card)) if node.get("type") in ("Action.Execute",
                                                                                    "Action.Submit")]


async def test_leader_finds_people_in_a_personal_chat_and_presses_view_profile(settings, connector) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        status, _ = await post(base, teams.message(url, KIM, "find chief nurse"))
        assert status == 201
        reply = fake.posted()[-1]
        assert reply["type"] == "message"
        assert reply["conversation"]["id"] == f"a:1personal-{KIM.aad_object_id}"
        assert reply["replyToId"] and reply["summary"] == "3 leaders match “chief nurse”"
        (card,) = cards_of(reply)
        shown = texts(card)
        assert "Rosa Lee" in shown and "Alex Smith-Jones" in shown and "Pat Nurse" in shown
        buttons = submits(card)
        assert [b["title"] for b in buttons] == ["View profile"] * 3
        assert {b["type"] for b in buttons} == {"Action.Execute"}
        # Kim presses "View profile" under Rosa: Teams invokes the bot with the button's verb and data.
        names = [s for s in shown if s in ("Rosa Lee", "Alex Smith-Jones", "Pat Nurse")]
        rosa_button = buttons[names.index("Rosa Lee")]
        assert rosa_button["verb"] == rosa_button["data"]["action"]
        pressed = teams.card_execute(url, KIM, rosa_button["verb"], rosa_button["data"])
        status, body = await post(base, pressed)
        assert status == 200
        # Not a change of the results card: the profile arrives as a new message, the invoke says so.
        assert body == {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                        "value": "Done — my answer is below."}
        profile = texts(cards_of(fake.posted()[-1])[0])
        assert profile[:2] == ["Rosa Lee", "Chief Nurse, North West Ambulance Service NHS Trust"]
        assert "Bio: Paramedic turned nurse leader." in profile
        assert not any("@" in line for line in profile)  # contact details stay hidden
    # The member lookup ran once (first turn), not on the linked second turn.
    lookups = [c for c in fake.calls if c["method"] == "GET"]
    conversation = f"a:1personal-{KIM.aad_object_id}"
    assert [c["path"] for c in lookups] == [f"/v3/conversations/{conversation}/members/{KIM.id}"]


async def test_account_is_linked_and_conversation_reference_saved(settings, connector, db) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, KIM, "profile"))
    assert "Email: kim.chen@manchester.gov.uk" in texts(cards_of(fake.posted()[-1])[0])
    with db.session() as session:
        account = session.scalars(select(ChatAccount)).one()
        assert (account.platform, account.workspace_id) == ("teams", TENANT)
        assert account.user_id == KIM.aad_object_id
        assert account.linked_via == "Microsoft Teams account"
        ref = load_reference(session, TENANT, KIM.aad_object_id)
        row = session.scalars(select(TeamsConversation)).one()
    assert ref is not None and ref.service_url == url and ref.bot_id == teams.BOT_ID
    assert ref.user_channel_id == KIM.id and ref.conversation_id == f"a:1personal-{KIM.aad_object_id}"
    assert row.chat_account_id == account.id


async def test_user_principal_name_links_when_no_email(settings, connector) -> None:
    fake, url = connector
    fake.members[UPN_ONLY.id] = UPN_ONLY
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, UPN_ONLY, "profile"))
    assert "Email: aine.nibhriain@belfastcity.gov.uk" in texts(cards_of(fake.posted()[-1])[0])


async def test_unknown_user_gets_help_and_nothing_else(settings, connector, db) -> None:
    fake, url = connector
    fake.members[STRANGER.id] = STRANGER
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, STRANGER, "find chief nurse"))
        shown = texts(cards_of(fake.posted()[-1])[0])
        assert shown[0] == "Welcome to Leaders Connect" and not any("Rosa" in s for s in shown)
        await post(base, teams.message(url, STRANGER, "help"))
        assert any(s.startswith("find <words>") for s in texts(cards_of(fake.posted()[-1])[0]))
        await post(base, teams.submit(url, STRANGER, {"action": "profile.view:1"}))
        assert texts(cards_of(fake.posted()[-1])[0])[0] == "Welcome to Leaders Connect"
    with db.session() as session:
        assert session.scalars(select(ChatAccount)).all() == []
        assert session.scalars(select(TeamsConversation)).all() == []  # nothing kept for strangers


async def test_member_lookup_failure_leaves_the_user_unlinked_not_broken(settings, connector) -> None:
    fake, url = connector  # KIM is not in the fake roster: the lookup answers 404
    async with running(settings) as (base, _, _):
        status, _ = await post(base, teams.message(url, KIM, "find nurse"))
    assert status == 201
    assert texts(cards_of(fake.posted()[-1])[0])[0] == "Welcome to Leaders Connect"


async def test_channel_mention_is_parsed_by_the_core_grammar(settings, connector) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        status, _ = await post(base, teams.channel_mention(url, KIM, "find chief constable"))
    assert status == 201
    reply = fake.posted()[-1]
    assert reply["conversation"]["id"] == "19:abc123@thread.tacv2;messageid=1700000000000"
    assert "Seán O'Brien" in texts(cards_of(reply)[0])
    member_calls = [c["path"] for c in fake.calls if c["method"] == "GET"]
    assert len(member_calls) == 1 and member_calls[0].endswith(f"/members/{KIM.id}")  # linked by email


async def test_an_older_cards_action_submit_still_works(settings, connector) -> None:
    """Cards already in chats from before Universal Actions post an Action.Submit message instead."""
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, KIM, "find rosa lee"))
        action = submits(cards_of(fake.posted()[-1])[0])[0]["data"]
        status, _ = await post(base, teams.submit(url, KIM, action))
    assert status == 201
    assert texts(cards_of(fake.posted()[-1])[0])[0] == "Rosa Lee"


async def test_messaging_extension_search_returns_person_cards(settings, connector) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        status, body = await post(base, teams.extension_query(url, KIM, "chief nurse"))
        assert status == 200
        result = body["composeExtension"]
        assert result["type"] == "result" and result["attachmentLayout"] == "list"
        names = [a["preview"]["content"]["title"] for a in result["attachments"]]
        assert sorted(names) == ["Alex Smith-Jones", "Pat Nurse", "Rosa Lee"]
        for attachment in result["attachments"]:
            assert attachment["preview"]["contentType"] == "application/vnd.microsoft.card.thumbnail"
            jsonschema.Draft6Validator(SCHEMA).validate(attachment["content"])
            assert "@" not in json.dumps(attachment)  # no contact details in shared cards
        status, body = await post(base, teams.extension_query(url, STRANGER, "chief nurse"))
        assert body["composeExtension"]["type"] == "message"
        assert "Rosa" not in json.dumps(body)
        status, body = await post(base, teams.extension_query(url, KIM, "zzzzqqq"))
        assert body["composeExtension"] == {"type": "message", "text": body["composeExtension"]["text"]}
        assert body["composeExtension"]["text"].startswith("No leaders match")


async def test_bot_installed_greets_and_keeps_the_conversation(settings, connector, db) -> None:
    fake, url = connector
    fake.members[STRANGER.id] = STRANGER
    async with running(settings) as (base, _, _):
        status, _ = await post(base, teams.bot_installed(url, STRANGER))
    assert status == 201
    greeting = texts(cards_of(fake.posted()[-1])[0])
    assert greeting[0].startswith("Hello! I'm Leaders Connect")
    with db.session() as session:
        assert load_reference(session, TENANT, STRANGER.aad_object_id) is not None


@pytest.mark.parametrize(("raw", "content_type", "status"), [
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'{"type": "message"}', "application/json", 400),
    (b'{"type": "message", "serviceUrl": "http://x", "from": "me"}', "application/json", 400),
    (b'{"type": 5}', "application/json", 400),
    (b"hello", "text/plain", 415),
])
async def test_malformed_bodies_are_4xx_never_500(settings, raw, content_type, status) -> None:
    async with running(settings) as (base, _, _):
        got, body = await post(base, None, raw=raw, content_type=content_type)
    assert got == status and "error" in body


async def test_unauthenticated_mode_warns_at_start(settings, caplog) -> None:
    import adapters.cli.main  # noqa: F401  (the CLI package is entered through main)
    from adapters.cli.run_commands import _warn_if_teams_unauthenticated

    with caplog.at_level(logging.WARNING):
        async with running(settings) as (_, _, app):
            _warn_if_teams_unauthenticated(app)
    assert "NOT AUTHENTICATED" in caplog.text
