"""Block Kit rendering: golden JSON for every reply the core produces today, and Slack's limits.

Golden files live in tests/golden/slack/; after an intended change, regenerate them with
`UPDATE_GOLDEN=1 pytest tests/test_slack_render.py` and review the diff like any other code.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from adapters.slack.forms import field_errors, form_modal, submitted_values
from adapters.slack.render import (
    MESSAGE_BLOCKS,
    MODAL_TITLE,
    VIEW_BLOCKS,
    decode_action,
    home_view,
    message,
    modal_view,
)
from bot.engine import Bot
from bot.replies import Actions, Button, Field, Form, Input, PersonCard, Reply, Text
from directory.accounts import ChatIdentity
from directory.clock import FakeClock
from directory.database import Database
from directory.settings import Settings
from tests.helpers import load_sample
from tests.slack_limits import check_limits, check_modal

GOLDEN = Path(__file__).with_name("golden") / "slack"
AINE = ChatIdentity("slack", "T0001", "UAINE", email="aine.nibhriain@belfastcity.gov.uk")
STAFF = ChatIdentity("slack", "T0001", "UPRIYA", email="priya.patel@hmrc.gov.uk")
STRANGER = ChatIdentity("slack", "T0001", "USTRANGER", email="stranger@example.com")

# name -> (who, what they type or press)
TURNS: dict[str, tuple[ChatIdentity, str]] = {
    "help": (AINE, "help"),
    "help_find": (AINE, "help find"),
    # (a query both backends rank alike; "chief constable" ranks differently on SQLite and PostgreSQL)
    "find_results": (AINE, "find nurse"),
    "find_no_results": (AINE, "find zzyzx quorble"),
    "find_empty": (AINE, "find"),
    "find_query_error": (AINE, "find sector:nonsense"),
    "profile_own": (AINE, "profile"),
    "profile_other": (AINE, "profile sean obrien"),
    "profile_hidden_email": (AINE, "profile sean.obrien@scotland.police.uk"),
    "profile_unknown_email": (AINE, "profile nobody@example.com"),
    "unknown_command": (AINE, "fnd finance"),
    "not_available_yet": (AINE, "digest"),
    "staff_only_refusal": (AINE, "poll new"),
    "unlinked_welcome": (STRANGER, "find finance"),
    "button_profile_view": (AINE, "@profile.view:2"),
    "button_expired": (AINE, "@nosuch.action:1"),
    "me_message": (AINE, "me"),  # `me` typed in a DM: the form as text (a slash command opens a modal)
    "accounts": (AINE, "accounts"),
    "mydata": (AINE, "mydata"),
    "forget_me": (AINE, "forget me"),
    "staff_list": (STAFF, "staff list"),
}
TOKEN = re.compile(r"token=[A-Za-z0-9_-]+")  # one-time link tokens are random: goldens hold a placeholder


@pytest.fixture
def bot(db: Database, clock: FakeClock) -> Bot:
    """The sample directory at a fixed moment: replies that show a date render the same on any day."""
    load_sample(db)
    return Bot(db, SIGNIN_SETTINGS.model_copy(update={"database_url": db.url}))


# Sign in with Microsoft configured, so unlinked people are offered the sign-in link.
SIGNIN_SETTINGS = Settings(LEADERS_DATABASE_URL="sqlite:///unused.db", MICROSOFT_APP_ID="app-id",
                           MICROSOFT_APP_TENANT_ID="tenant-1",
                           MICROSOFT_APP_PASSWORD="secret", LEADERS_ALLOWED_TENANTS="tenant-1",
                           LEADERS_PUBLIC_URL="https://leaders.example.gov.uk",
                           LEADERS_STAFF_EMAILS="priya.patel@hmrc.gov.uk", _env_file=None)  # type: ignore[call-arg]


def produce(bot: Bot, who: ChatIdentity, said: str) -> Reply:
    return bot.handle_action(who, said[1:]) if said.startswith("@") else bot.handle_text(who, said)


@pytest.mark.parametrize("name", sorted(TURNS))
def test_every_core_reply_renders_as_golden_block_kit(bot: Bot, name: str) -> None:
    reply = produce(bot, *TURNS[name])
    rendered = json.loads(TOKEN.sub("token=TOKEN", json.dumps({"message": message(reply),
                                                               "home": home_view(reply)})))
    check_limits(rendered["message"]["blocks"], MESSAGE_BLOCKS)
    check_limits(rendered["home"]["blocks"], VIEW_BLOCKS)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rendered, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert rendered == json.loads(path.read_text(encoding="utf-8")), f"{name}: differs from {path}"


def card(index: int, bio: str = "") -> PersonCard:
    fields = (Field("About", bio),) if bio else (Field("Where", "Scotland · Policing"),)
    button = Button("View profile", f"profile.view:{index}", "primary")
    return PersonCard(index, f"Leader {index}", "Chief Executive, Somewhere Council", fields,
                      "Verified by staff import", (button,))


def test_two_hundred_results_are_cut_to_fit_with_and_n_more() -> None:
    reply = Reply((Text("200 leaders found", "heading"), *(card(i) for i in range(1, 201))))
    blocks = message(reply)["blocks"]
    check_limits(blocks, MESSAGE_BLOCKS)
    assert len(blocks) == MESSAGE_BLOCKS - 1 or len(blocks) == MESSAGE_BLOCKS
    shown = sum(1 for b in blocks if "accessory" in b)
    assert blocks[-1]["type"] == "context" and f"and {200 - shown} more" in blocks[-1]["elements"][0]["text"]
    home = home_view(reply)["blocks"]
    check_limits(home, VIEW_BLOCKS)
    assert f"and {200 - sum(1 for b in home if 'accessory' in b)} more" in home[-1]["elements"][0]["text"]


def test_a_ten_thousand_character_bio_is_cut_not_rejected() -> None:
    bio = ("Leads <b>cyber</b> & resilience work; " * 300)[:10_000]
    blocks = message(Reply((card(1, bio),)))["blocks"]
    check_limits(blocks, MESSAGE_BLOCKS)
    assert blocks[0]["text"]["text"].endswith("…")
    assert "<b>" not in blocks[0]["text"]["text"]  # user text is escaped, never Slack markup


def test_long_texts_labels_and_titles_stay_within_limits() -> None:
    reply = Reply((Text("x" * 400, "heading"), Text("y" * 5000), Text("z" * 5000, "muted"),
                   Text("e" * 5000, "error"), Actions((Button("L" * 200, "profile.view:1"),))))
    blocks = message(reply)["blocks"]
    check_limits(blocks, MESSAGE_BLOCKS)
    view = modal_view(reply, "Edit your Leaders Connect profile", submit="Save my profile changes now")
    assert len(view["title"]["text"]) <= MODAL_TITLE and len(view["submit"]["text"]) <= MODAL_TITLE
    check_limits(view["blocks"], VIEW_BLOCKS)


def test_mentions_and_links_in_user_data_are_escaped() -> None:
    reply = Reply((PersonCard(1, "<!channel> Eve", "Head of <https://evil.example|Click> & Co"),))
    text = message(reply)["blocks"][0]["text"]["text"]
    assert "<!channel>" not in text and "<https" not in text and "&amp; Co" in text


def test_a_button_that_cannot_be_carried_is_dropped_not_sent_broken() -> None:
    reply = Reply((Actions((Button("Fine", "profile.view:1"), Button("Too long", "x:" + "9" * 3000))),))
    elements = message(reply)["blocks"][0]["elements"]
    assert [e["value"] for e in elements] == ["profile.view:1"]


def test_block_actions_decode_to_the_neutral_action() -> None:
    reply = Reply((card(7), Actions((Button("Yes", "poll.vote:3:1"), Button("No", "poll.vote:3:2")))))
    blocks = message(reply)["blocks"]
    pressed = [blocks[0]["accessory"], *blocks[-1]["elements"]]
    assert [decode_action(p) for p in pressed] == ["profile.view:7", "poll.vote:3:1", "poll.vote:3:2"]
    assert decode_action({"action_id": "someone_elses", "value": "profile.view:1"}) is None


def test_the_me_form_renders_as_a_golden_modal(bot: Bot) -> None:
    form = bot.handle_text(AINE, "me").form
    assert form is not None
    view = form_modal(form)
    check_modal(view)
    assert view["private_metadata"] == "me.save" and view["callback_id"] == "lc:form"
    path = GOLDEN / "me_modal.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(view, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert view == json.loads(path.read_text(encoding="utf-8")), f"differs from {path}"


def test_a_modal_round_trips_its_values_and_errors_are_keyed_by_block() -> None:
    choice = Input("visibility.phone", "Who can see your phone", "staff", "choice",
                   (("everyone", "All"), ("staff", "Only the team")))
    fields = (Input("role", "Role", "Chief", max_length=200),
              Input("bio", "About", "b" * 5000, "multiline", max_length=4000),
              Input("phone", "Phone", "call me", error="Not a phone number " * 200), choice)
    form = Form("f", "A title far longer than a modal title may be", fields, "Save my changes", "me.save")
    view = form_modal(form)
    check_modal(view)
    state = {"values": {
        "role": {"value": {"type": "plain_text_input", "value": "Chief"}},
        "bio": {"value": {"type": "plain_text_input", "value": None}},
        "visibility.phone": {"value": {"type": "static_select", "selected_option": {
            "text": {"type": "plain_text", "text": "All"}, "value": "everyone"}}},
        "junk": "not a dict"}}
    assert submitted_values({"state": state}) == {"role": "Chief", "bio": "", "visibility.phone": "everyone"}
    errors = field_errors(form)
    assert list(errors) == ["phone"] and len(errors["phone"]) <= 2000
