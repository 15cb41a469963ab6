"""Hostile profile text on Teams renders literally (issue 10, finding 5): a leader writes a bio and a role
full of Markdown — a phishing link, a tracking image, emphasis, a list, a heading, HTML — through the
real `me` card; another leader sees it in a 1:1 profile, a channel answer and a messaging-extension
result. Every card is valid Adaptive Card 1.5, and the text arrives only in TextRuns (which Teams never
reads as Markdown), exactly as typed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from adapters.teams.render import render_card
from bot.engine import Bot
from directory.accounts import ChatIdentity
from directory.people import by_email
from tests import fakes_teams as teams
from tests.fakes_teams import Member
from tests.teams_server import post, running
from tests.test_teams_http import cards_of, nodes, texts

SCHEMA = json.loads((Path(__file__).with_name("schemas") / "adaptive-card-1.5.schema.json").read_text())
KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
ROSA = Member("29:1rosa", "aad-rosa", "Rosa Lee", "rosa.lee@nwas.nhs.uk")
PHISH = "[Confirm your directory entry](https://phish.example/login)"
TRACKER = "![](https://track.example/pixel.png?who=rosa)"
BIO = (f"{PHISH} {TRACKER} **urgent** _now_ <b>bold</b> <img src=x onerror=alert(1)> &amp; `code`\n"
       "# Heading\n- item one\n1. item two\n> quoted")
ROLE = "Chief Nurse [admin](https://phish.example/r)"
# Markdown that must never reach a field Teams renders as Markdown.
MARKUP = ("](", "![", "**", "<b>", "<img", "# Heading")


def markdown_fields(card: Any) -> list[str]:
    """Every string Teams would read as Markdown or HTML-like formatting: TextBlock text, facts, input
    labels and error messages."""
    found: list[str] = []
    for node in nodes(card):
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        if node.get("type") == "FactSet":
            found += [f["title"] for f in node["facts"]] + [f["value"] for f in node["facts"]]
        if str(node.get("type", "")).startswith("Input."):
            found += [node.get("label", ""), node.get("errorMessage", "")]
    return found


def literal_runs(card: Any) -> list[str]:
    return [run["text"] for node in nodes(card) if node.get("type") == "RichTextBlock"
            for run in node["inlines"]]


def check_literal(card: Any) -> None:
    jsonschema.Draft6Validator(SCHEMA).validate(card)
    for text in markdown_fields(card):
        assert not any(mark in text for mark in MARKUP), text
    assert not [n for n in nodes(card) if n.get("type") == "Image"]  # no image element was made of it
    urls = [n.get("url", "") for n in nodes(card) if n.get("type") == "Action.OpenUrl"]
    assert not any("phish" in url or "track" in url for url in urls)


async def rosa_writes_a_hostile_profile(base: str, url: str, fake: teams.FakeConnector) -> None:
    """Through the real `me` card: Rosa fills in the inputs and presses Save, as Teams posts it."""
    await post(base, teams.message(url, ROSA, "me"))
    (card,) = cards_of(fake.posted()[-1])
    values = {n["id"]: n.get("value", "") for n in nodes(card) if str(n.get("type", "")).startswith("Input.")}
    status, _ = await post(base, teams.submit(url, ROSA, {**values, "action": "me.save", "bio": BIO,
                                                          "role": ROLE, "visibility.bio": "everyone"}))
    assert status == 201


async def test_a_hostile_bio_shows_as_typed_in_every_teams_card(settings, connector, db) -> None:
    fake, url = connector
    fake.members.update({KIM.id: KIM, ROSA.id: ROSA})
    async with running(settings) as (base, _, _):
        await rosa_writes_a_hostile_profile(base, url, fake)
        with db.session() as session:
            rosa = by_email(session, ROSA.email or "")
            assert rosa is not None and (rosa.bio, rosa.role) == (BIO, ROLE)  # stored as typed

        await post(base, teams.message(url, KIM, "profile rosa lee"))  # 1:1
        (profile,) = cards_of(fake.posted()[-1])
        await post(base, teams.channel_mention(url, KIM, "find rosa lee"))  # a channel: everyone reads it
        (channel,) = cards_of(fake.posted()[-1])
        status, body = await post(base, teams.extension_query(url, KIM, "rosa lee"))
        assert status == 200
        [picked] = body["composeExtension"]["attachments"]

    for card in (profile, channel, picked["content"]):
        check_literal(card)
    assert f"Bio: {BIO}" in texts(profile)  # every character as typed, in TextRuns
    assert BIO in literal_runs(profile)
    assert any(ROLE in line for line in texts(channel))
    assert any(ROLE in line for line in texts(picked["content"]))
    preview = picked["preview"]["content"]  # title and subtitle: never formatted by Teams
    assert set(preview) <= {"title", "subtitle"} and preview["subtitle"].startswith(ROLE)


async def test_echoed_queries_and_form_errors_show_as_typed(settings, connector) -> None:
    fake, url = connector
    fake.members[KIM.id] = KIM
    word = "[click](https://phish.example/x)"  # echoed back as the unknown command word
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, KIM, word))
        (answer,) = cards_of(fake.posted()[-1])
        check_literal(answer)
        assert f"I don't know the command “{word}”." in texts(answer)
        await post(base, teams.message(url, KIM, f"find {PHISH} {TRACKER}"))  # (search words are folded)
        check_literal(cards_of(fake.posted()[-1])[0])

        bad_phone = "[call me](https://phish.example/x)"
        await post(base, teams.submit(url, KIM, {"action": "me.save", "phone": bad_phone}))
        (form,) = cards_of(fake.posted()[-1])
    check_literal(form)
    assert any(bad_phone in line and "is not a phone number" in line for line in texts(form))
    phone = next(n for n in nodes(form) if n.get("id") == "phone")
    assert phone["value"] == bad_phone  # an input's value is shown as plain text by every client


def test_our_own_formatting_still_works(db, settings) -> None:
    """Commands in backticks are bold runs; nothing else is formatted."""
    card = render_card(Bot(db, settings).handle_text(
        ChatIdentity("teams", teams.TENANT, "aad-kim", KIM.email), "help"))
    check_literal(card)
    bold = [run["text"] for node in nodes(card) if node.get("type") == "RichTextBlock"
            for run in node["inlines"] if run.get("weight") == "Bolder"]
    assert "help [command]" in bold and not any("`" in text for text in literal_runs(card))
