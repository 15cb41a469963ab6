"""The outbox's reply codec keeps every field of every block: a property test over generated replies, the
same through the real outbox table (SQLite and PostgreSQL), version 1 rows still read, damage refused."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.replies import (
    Actions,
    Button,
    ButtonStyle,
    Field,
    Form,
    Input,
    InputKind,
    PersonCard,
    Reply,
    Text,
    TextStyle,
)
from bot.reply_codec import VERSION, ReplyDecodeError, reply_from_json, reply_to_json
from directory.database import Database
from directory.models import ChatAccount
from directory.outbox import OutboxMessage, enqueue
from tests.delivery_helpers import make_accounts


def replies(text: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Reply]:
    """Any reply the model can express: every block kind, every field drawn independently."""
    text = text if text is not None else st.text(max_size=40)
    buttons = st.builds(Button, text, text, st.sampled_from(get_args(ButtonStyle)), text)
    inputs = st.builds(Input, text, text, text, st.sampled_from(get_args(InputKind)),
                       st.lists(st.tuples(text, text), max_size=3).map(tuple),
                       st.integers(min_value=0, max_value=10_000), text, text)
    blocks = st.one_of(
        st.builds(Text, text, st.sampled_from(get_args(TextStyle))),
        st.builds(PersonCard, st.integers(min_value=-(2**31), max_value=2**31), text, text,
                  st.lists(st.builds(Field, text, text), max_size=3).map(tuple), text,
                  st.lists(buttons, max_size=3).map(tuple)),
        st.builds(Actions, st.lists(buttons, max_size=4).map(tuple)),
        st.builds(Form, text, text, st.lists(inputs, max_size=3).map(tuple), text, text, text),
    )
    return st.builds(Reply, st.lists(blocks, max_size=6).map(tuple), st.booleans(), st.booleans(), text,
                     st.lists(text, max_size=3).map(tuple))


@given(replies())
def test_every_field_of_every_block_survives_json(reply: Reply) -> None:
    stored = json.loads(json.dumps(reply_to_json(reply)))  # what a JSON column hands back
    assert stored["v"] == VERSION
    assert reply_from_json(stored) == reply


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reply=replies(st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                              max_size=30)))
def test_replies_survive_the_outbox_table(db: Database, reply: Reply) -> None:
    """Through the real JSON column (PostgreSQL's json type and SQLite's text): nothing is lost on the way."""
    with db.session() as session:
        account = session.scalar(select(ChatAccount).limit(1))
        if account is None:
            account = session.get(ChatAccount, make_accounts(db, "slack", "T0001", 1)[0])
        assert account is not None
        key = f"codec:{session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))}"
        enqueue(session, account, reply_to_json(reply), key)
    with db.session() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert row is not None
        assert reply_from_json(row.reply) == reply


def test_a_link_button_keeps_its_link() -> None:
    """Version 1 dropped Button.url: a queued "Read the article" arrived with no link."""
    reply = Reply((Actions((Button("Read the article", url="https://www.gov.uk/x"),)),))
    assert reply_from_json(reply_to_json(reply)).blocks[0].buttons[0].url == "https://www.gov.uk/x"  # type: ignore[union-attr]


# A row written by version 1 (before links, replacement and refresh were stored): still read.
VERSION_1_ROW: dict[str, Any] = {"v": 1, "private": False, "blocks": [
    {"type": "text", "text": "Introduction request", "style": "heading"},
    {"type": "person", "leader_id": 42, "name": "Áine Ní Bhriain", "headline": "Chief Executive",
     "fields": [["Region", "Northern Ireland"]], "verified": "Verified by staff import",
     "buttons": [{"label": "Accept", "action": "intro.accept:9", "style": "primary"}]},
    {"type": "actions", "buttons": [{"label": "Later", "action": "intro.later:9", "style": "default"}]},
    {"type": "form", "form_id": "me", "title": "Your profile", "submit_label": "Save",
     "submit_action": "me.save", "hint": "", "fields": [
         {"name": "role", "label": "Role", "value": "CEO", "kind": "text", "options": [], "max_length": 200,
          "hint": "as shown", "error": ""}]},
]}


def test_version_1_rows_are_still_read() -> None:
    reply = reply_from_json(VERSION_1_ROW)
    assert reply == Reply((
        Text("Introduction request", "heading"),
        PersonCard(42, "Áine Ní Bhriain", "Chief Executive", (Field("Region", "Northern Ireland"),),
                   "Verified by staff import", (Button("Accept", "intro.accept:9", "primary"),)),
        Actions((Button("Later", "intro.later:9"),)),
        Form("me", "Your profile", (Input("role", "Role", "CEO", max_length=200, hint="as shown"),), "Save",
             "me.save"),
    ), private=False)
    assert reply_to_json(reply)["v"] == 2  # rewritten (e.g. by a card update) in the current version


@pytest.mark.parametrize("stored", [
    None, [], {"v": 3, "blocks": []}, {"v": 1, "blocks": [{"type": "video"}]},
    {"v": 1, "blocks": [{"type": "text"}]},
    {"v": 2, "private": True, "blocks": []},  # version 2 rows carry every field
    {"v": 2, "private": "yes", "replace": False, "refresh": "", "refresh_for": [], "blocks": []},
    {"v": 2, "private": True, "replace": False, "refresh": "", "refresh_for": [],
     "blocks": [{"type": "text", "text": "x", "style": "blinking"}]},
    {"v": 2, "private": True, "replace": False, "refresh": "", "refresh_for": [],
     "blocks": [{"type": "actions", "buttons": [{"label": "x", "action": "a", "style": "default"}]}]},
    {"v": 2, "private": True, "replace": False, "refresh": "", "refresh_for": [7], "blocks": []},
])
def test_stored_json_that_is_not_a_reply_is_refused(stored: object) -> None:
    with pytest.raises(ReplyDecodeError):
        reply_from_json(stored)
