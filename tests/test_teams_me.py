"""`me` on Teams end to end: the form arrives as an Adaptive Card with inputs; pressing Save posts the
inputs with the neutral `me.save` action, which updates the directory or answers with the card again."""

from __future__ import annotations

from directory.database import Database
from directory.people import by_email
from directory.search import search
from tests import fakes_teams as teams
from tests.fakes_teams import Member
from tests.teams_server import post, running
from tests.test_teams_http import cards_of, nodes, submits, texts

KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
STRANGER = Member("29:1stranger", "aad-stranger", "Sam Stranger", "sam@example.com")


def inputs(card: dict) -> dict[str, dict]:
    return {node["id"]: node for node in nodes(card) if str(node.get("type", "")).startswith("Input.")}


def kim(db: Database) -> tuple[str, str, str]:
    with db.session() as session:
        leader = by_email(session, KIM.email or "")
        assert leader is not None
        return leader.role, leader.phone, leader.visibility["phone"]


async def test_kim_edits_her_profile_in_a_card(settings, connector, db) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, KIM, "me"))
        (card,) = cards_of(fake.posted()[-1])
        fields = inputs(card)
        assert fields["role"]["type"] == "Input.Text" and fields["role"]["value"] == "Director of Finance"
        assert fields["bio"]["isMultiline"] is True
        assert fields["visibility.phone"]["type"] == "Input.ChoiceSet"
        assert fields["visibility.phone"]["value"] == "introduced"
        assert "email" not in fields and "full_name" not in fields
        (save,) = submits(card)
        assert save["data"] == {"action": "me.save"}
        # Teams merges the inputs into the button's data.
        submitted = {**{name: field["value"] for name, field in fields.items()}, **save["data"],
                     "role": "Chief Executive", "phone": "+44 161 234 5000", "visibility.phone": "everyone"}
        status, _ = await post(base, teams.submit(url, KIM, submitted))
        assert status == 201
        shown = texts(cards_of(fake.posted()[-1])[0])
    assert shown[0].startswith("Your profile is updated: role, phone, who can see your phone")
    assert "Chief Executive, Manchester City Council" in shown
    assert kim(db) == ("Chief Executive", "+44 161 234 5000", "everyone")
    with db.session() as session:
        assert KIM.email in [h.leader.email for h in search(session, "chief executive manchester")]


async def test_bad_values_bring_the_card_back_with_errors_and_nothing_saved(settings, connector, db) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        submitted = {"action": "me.save", "role": "Chief Executive", "phone": "call me",
                     "visibility.email": "everybody"}
        await post(base, teams.submit(url, KIM, submitted))
        (card,) = cards_of(fake.posted()[-1])
    shown = texts(card)
    assert any(s.startswith("Phone: “call me” is not a phone number") for s in shown)
    assert any("“everybody” is not a visibility level" in s for s in shown)
    fields = inputs(card)
    assert fields["role"]["value"] == "Chief Executive" and fields["phone"]["value"] == "call me"
    assert kim(db) == ("Director of Finance", "", "introduced")


async def test_a_stranger_cannot_submit_the_form(settings, connector, db) -> None:
    fake, url = connector
    fake.members[STRANGER.id] = STRANGER
    async with running(settings) as (base, _, _):
        await post(base, teams.submit(url, STRANGER, {"action": "me.save", "role": "Impostor"}))
        assert texts(cards_of(fake.posted()[-1])[0])[0] == "Welcome to Leaders Connect"
    with db.session() as session:
        assert search(session, "impostor") == []


async def test_save_is_a_universal_action_and_its_answer_takes_the_forms_place(settings, connector,
                                                                             db) -> None:
    """Pressing Save invokes the bot with the inputs in the action's data; the invoke is answered with the
    card that replaces the form: the saved profile — or the form again, errors under the fields."""
    fake, url = connector
    fake.members[KIM.id] = KIM
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, KIM, "me"))
        (card,) = cards_of(fake.posted()[-1])
        (save,) = submits(card)
        assert save["type"] == "Action.Execute" and save["verb"] == "me.save"
        fields = {name: field["value"] for name, field in inputs(card).items()}
        bad = {**fields, **save["data"], "phone": "call me"}
        status, body = await post(base, teams.card_execute(url, KIM, save["verb"], bad))
        assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        again = body["value"]
        assert inputs(again)["phone"]["value"] == "call me" and "errorMessage" in inputs(again)["phone"]
        good = {**fields, **save["data"], "role": "Chief Executive"}
        status, body = await post(base, teams.card_execute(url, KIM, save["verb"], good))
        posted = len(fake.posted())
    assert texts(body["value"])[0].startswith("Your profile is updated: role")
    assert posted == 1  # answered in place: nothing new in the chat
    assert kim(db)[0] == "Chief Executive"
