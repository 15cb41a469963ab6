"""Adaptive Card rendering: golden JSON for every reply the core gives today, the 1.5 schema, and the
80 KB message budget (Teams refuses 100 KB). Regenerate goldens with UPDATE_GOLDEN=1 after a deliberate
change, and read the diff."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from adapters.teams.extension import extension_result
from adapters.teams.payloads import executed_action, search_text, submitted_action, tenant_of
from adapters.teams.render import MAX_MESSAGE_BYTES, render_attachment, render_card, size_of
from bot.engine import Bot
from bot.replies import Button, Field, PersonCard, Reply, Text
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.database import Database
from directory.settings import Settings
from tests.helpers import load_sample
from tests.test_teams_http import texts

SCHEMAS = Path(__file__).with_name("schemas")  # vendored copies of ../shared/schemas
SCHEMA = json.loads((SCHEMAS / "adaptive-card-1.5.schema.json").read_text())
GOLDEN = Path(__file__).with_name("golden") / "teams"
KIM = ChatIdentity("teams", "tenant-1", "aad-kim", "kim.chen@manchester.gov.uk")
STAFF = ChatIdentity("teams", "tenant-1", "aad-priya", "priya.patel@hmrc.gov.uk")
STRANGER = ChatIdentity("teams", "tenant-1", "aad-x", "nobody@example.com")

CASES = {
    "help": (KIM, "help"),
    "help_staff": (STAFF, "help"),
    "find_results": (KIM, "find sean obrien police"),
    "find_no_results": (KIM, "find zzzzqqq"),
    "find_empty": (KIM, "find"),
    "query_error": (KIM, "find sector:spaceships"),
    "own_profile": (KIM, "profile"),
    "other_profile": (KIM, "profile sean obrien"),
    "unknown_command": (KIM, "fnid nurse"),
    "not_available_yet": (KIM, "digest"),
    "staff_only_refusal": (KIM, "poll new"),
    "unlinked_welcome": (STRANGER, "find chief nurse"),
    "me_form": (KIM, "me"),
    "accounts": (KIM, "accounts"),
    "mydata": (KIM, "mydata"),
    "forget_me": (KIM, "forget me"),
    "staff_list": (STAFF, "staff list"),
}
TOKEN = re.compile(r"token=[A-Za-z0-9_-]+")  # one-time link tokens are random: goldens hold a placeholder


@pytest.fixture
def bot(db: Database, clock: FakeClock) -> Bot:
    """The sample directory at a fixed moment: replies that show a date render the same on any day."""
    load_sample(db)
    return Bot(db, Settings(LEADERS_DATABASE_URL=db.url, LEADERS_STAFF_EMAILS="priya.patel@hmrc.gov.uk",
                            MICROSOFT_APP_ID="app-id", MICROSOFT_APP_PASSWORD="secret",
                            MICROSOFT_APP_TENANT_ID="tenant-1",
                            LEADERS_ALLOWED_TENANTS="tenant-1", LEADERS_PUBLIC_URL="https://leaders.example.gov.uk",
                            _env_file=None))  # type: ignore[call-arg]


def check(card: dict) -> None:
    jsonschema.Draft6Validator(SCHEMA).validate(card)
    assert size_of(card) < MAX_MESSAGE_BYTES


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_reply_matches_its_golden_card(bot: Bot, name: str) -> None:
    identity, text = CASES[name]
    card = json.loads(TOKEN.sub("token=TOKEN", json.dumps(render_card(bot.handle_text(identity, text)))))
    check(card)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert card == json.loads(path.read_text(encoding="utf-8"))


def test_view_profile_button_round_trips_to_the_same_neutral_action(bot: Bot) -> None:
    card = render_card(bot.handle_text(KIM, "find sean obrien police"))
    button = card["body"][1]["items"][-1]["actions"][0]
    assert button["type"] == "Action.Execute" and button["style"] == "positive"
    assert button["associatedInputs"] == "none"  # a button never carries (or waits on) a form's inputs
    action = button["verb"]
    assert action.startswith("profile.view:") and button["data"] == {"action": action}
    execute = {"action": {"type": "Action.Execute", "verb": button["verb"], "data": button["data"]}}
    assert executed_action(execute) == action
    assert executed_action({"action": {"type": "Action.Execute", "verb": action}}) == action
    assert submitted_action(button["data"]) == action  # an older client's Action.Submit reads the same
    assert bot.handle_action(KIM, action).blocks[0].name == "Seán O'Brien"  # type: ignore[union-attr]


def _person(i: int, bio: str = "") -> PersonCard:
    fields = (Field("Where", "Scotland · Policing"), Field("Expertise", "major incidents, public order"))
    if bio:
        fields += (Field("About", bio),)
    return PersonCard(i, f"Leader Number {i}", "Chief Executive, A Rather Long Organisation Name Council",
                      fields, "Verified by staff import",
                      (Button("View profile", f"profile.view:{i}", "primary"),))


def test_two_hundred_results_are_cut_to_fit_with_and_n_more() -> None:
    reply = Reply((Text("200 leaders found for “chief”", "heading"), *(_person(i) for i in range(200))))
    card = render_card(reply)
    check(card)
    shown = [e for e in card["body"] if e["type"] == "Container"]
    assert 0 < len(shown) < 200
    assert texts(card["body"][-1])[0].startswith(f"…and {200 - len(shown)} more")
    assert len(json.dumps(render_attachment(reply)).encode()) < MAX_MESSAGE_BYTES


def test_cards_are_measured_as_teams_measures_them_in_utf16() -> None:
    """Thirty-eight results in plain English: 73 KB of JSON (literal text: RichTextBlocks of TextRuns),
    which Teams counts as 145 KB (UTF-16: two bytes an ASCII character) and would refuse. Measured that
    way, the card is cut to fit instead."""
    bio = "Leads digital transformation, cyber security and resilience across the region. " * 9
    reply = Reply((Text("38 leaders found", "heading"), *(_person(i, bio) for i in range(38))))
    whole = render_card(reply, max_bytes=10**9)
    assert len(json.dumps(whole).encode()) < MAX_MESSAGE_BYTES < 100_000 < size_of(whole)
    card = render_card(reply)
    check(card)
    assert size_of(render_attachment(reply)) < MAX_MESSAGE_BYTES
    assert texts(card["body"][-1])[0].startswith("…and ")


def test_one_long_text_is_shortened_when_there_are_no_people_to_drop() -> None:
    reply = Reply(tuple(Text(f"Paragraph {n}: " + "Оновлення політики. " * 150, "plain") for n in range(20)))
    card = render_card(reply)
    check(card)
    assert len(card["body"]) == 20 and all(texts(b)[0].endswith("…") for b in card["body"])
    assert "too long to show" not in json.dumps(card, ensure_ascii=False)


def test_a_live_card_refreshes_for_its_reader_and_at_most_sixty_others() -> None:
    crowd = tuple(f"aad-{n}" for n in range(100))
    card = render_card(Reply((Text("Poll", "heading"),), refresh="poll.view:7", refresh_for=crowd),
                       viewers=("aad-reader",))
    check(card)
    refresh = card["refresh"]
    assert refresh["action"] == {"type": "Action.Execute", "verb": "poll.view:7",
                                 "data": {"action": "poll.view:7"}}
    assert len(refresh["userIds"]) == 60 and refresh["userIds"][0] == "8:orgid:aad-reader"
    assert "refresh" not in render_card(Reply((Text("Not live"),)), viewers=("aad-reader",))


def test_a_huge_bio_is_clipped_not_refused() -> None:
    card = render_card(Reply((_person(1, bio="Decades of service. " * 20_000),)))
    check(card)
    [(_, about)] = [block["inlines"] for block in card["body"][0]["items"]
                    if block.get("inlines", [{}])[0].get("text") == "About: "]
    assert about["text"].endswith("…") and len(about["text"]) <= 3_000


def test_commands_are_bold_runs_and_styles_apply_to_every_run() -> None:
    card = render_card(Reply((Text("Type `help find` or `find`.", "muted"), Text("Oops", "error"))))
    muted = {"isSubtle": True, "size": "Small"}
    assert card["body"][0] == {"type": "RichTextBlock", "inlines": [
        {"type": "TextRun", "text": "Type ", **muted},
        {"type": "TextRun", "text": "help find", **muted, "weight": "Bolder"},
        {"type": "TextRun", "text": " or ", **muted},
        {"type": "TextRun", "text": "find", **muted, "weight": "Bolder"},
        {"type": "TextRun", "text": ".", **muted}]}
    assert card["body"][1]["inlines"] == [{"type": "TextRun", "text": "Oops", "color": "Attention"}]


def test_extension_results_and_payload_helpers() -> None:
    body = extension_result(Reply((Text("2 found", "heading"), _person(1), _person(2))))
    assert [a["preview"]["content"]["title"] for a in body["attachments"]] == ["Leader Number 1",
                                                                               "Leader Number 2"]
    for attachment in body["attachments"]:
        check(attachment["content"])
    assert extension_result(Reply((Text("No leaders match “x”.", "heading"),)))["type"] == "message"
    assert search_text({"parameters": [{"name": "query", "value": "  nurse "}]}) == "nurse"
    assert search_text({"parameters": "nonsense"}) == "" and search_text(None) == ""
    assert submitted_action({"action": "x" * 300}) is None and submitted_action("text") is None
    assert executed_action({"action": "not a dict"}) is None
    assert tenant_of({"channelData": {"tenant": {"id": "t1"}}}) == "t1"
    assert tenant_of({"conversation": {"tenantId": "t2"}, "channelData": {"tenant": {"id": "t1"}}}) == "t2"


def test_the_me_form_with_errors_is_a_valid_card_that_keeps_the_values(bot: Bot) -> None:
    reply = bot.handle_submit(KIM, "me.save", {"role": "Chief Executive", "phone": "call me",
                                               "bio": "x" * 5000, "visibility.email": "nobody"})
    card = render_card(reply)
    check(card)
    inputs = {e["id"]: e for e in card["body"][-1]["items"] if e["type"].startswith("Input.")}
    assert inputs["role"]["value"] == "Chief Executive" and inputs["phone"]["value"] == "call me"
    assert "errorMessage" in inputs["phone"] and "errorMessage" in inputs["visibility.email"]
    assert {run["color"] for run in card["body"][0]["inlines"]} == {"Attention"}
    assert any(line.startswith("Phone: “call me” is not a phone number") for line in texts(card))
    submit = card["body"][-1]["items"][-1]["actions"][0]
    assert submit["type"] == "Action.Execute" and submit["data"] == {"action": "me.save"}
    assert submit["verb"] == "me.save" and "associatedInputs" not in submit  # Save sends the inputs
