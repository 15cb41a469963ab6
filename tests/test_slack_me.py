"""`/leaders me` on Slack end to end: the slash command opens a modal through views.open on the fake Web
API; a signed `view_submission` saves the profile (or keeps the modal open with errors per field)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from directory.database import Database
from directory.people import by_email
from directory.search import search
from tests.slack_fakes import FakeSlack, RunningServer, post_signed, slash_command, texts
from tests.slack_limits import check_modal

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")


def current(view: dict) -> dict[str, str]:
    """What the modal shows in each input before the leader touches it."""
    values = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            element = block["element"]
            chosen = element.get("initial_option", {}).get("value", "")
            values[block["block_id"]] = chosen if element["type"] == "static_select" \
                else element.get("initial_value", "")
    return values


def aine(db: Database) -> tuple[str, str, dict]:
    with db.session() as session:
        leader = by_email(session, AINE[1])
        assert leader is not None
        return leader.role, leader.phone, dict(leader.visibility)


async def open_modal(server: RunningServer, fake_slack: FakeSlack, user: str = AINE[0]) -> dict:
    """`/leaders me`: a loading modal opens at once on the command's own fresh trigger, then the answer
    replaces it."""
    command = slash_command("me", user_id=user, response_url=fake_slack.response_url("me"))
    status, body = await post_signed(server.session, server.url + "/slack/events", command,
                                     content_type="application/x-www-form-urlencoded")
    assert status == 200 and body == ""
    updated = (await fake_slack.wait_for(lambda: fake_slack.called("views.update")))[-1]
    (opened,) = fake_slack.called("views.open")
    assert opened.body["trigger_id"] == parse_qs(command)["trigger_id"][0]  # the command's own trigger
    assert "One moment" in texts(opened.body["view"]["blocks"]) and "submit" not in opened.body["view"]
    assert updated.body["view_id"] == "V0001"  # the view Slack opened
    assert fake_slack.calls.index(opened) < fake_slack.calls.index(updated)
    return updated.body["view"]


async def test_me_opens_a_modal_with_the_leaders_own_values(server: RunningServer,
                                                           fake_slack: FakeSlack) -> None:
    view = await open_modal(server, fake_slack)
    check_modal(view)
    values = current(view)
    assert values["role"] == "Director of Finance" and values["phone"] == "+44 7700 900101"
    assert values["visibility.phone"] == "introduced" and values["visibility.role"] == "everyone"
    assert "email" not in values and "full_name" not in values and "sector" not in values
    await fake_slack.settle(0.2)
    assert fake_slack.responses == []  # the modal is the answer: nothing posted to response_url


async def test_saving_the_modal_updates_the_directory_and_confirms_by_dm(
        server: RunningServer, fake_slack: FakeSlack, db: Database) -> None:
    view = await open_modal(server, fake_slack)
    values = {**current(view), "role": "Chief Resilience Officer", "visibility.phone": "everyone"}
    status, body = await server.submit_view(view, values, AINE[0])
    assert status == 200 and body == ""  # an empty ack closes the modal
    role, phone, visibility = aine(db)
    assert role == "Chief Resilience Officer" and phone == "+44 7700 900101"
    assert visibility["phone"] == "everyone" and visibility["email"] == "introduced"
    with db.session() as session:
        assert AINE[1] in [hit.leader.email for hit in search(session, "resilience officer")]
    posted = (await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage")))[0]
    assert posted.body["channel"] == "UAINE"
    seen = texts(posted.body["blocks"])
    assert "Your profile is updated" in seen and "Chief Resilience Officer, Belfast City Council" in seen


async def test_a_bad_phone_keeps_the_modal_open_with_the_error_under_the_field(
        server: RunningServer, fake_slack: FakeSlack, db: Database) -> None:
    view = await open_modal(server, fake_slack)
    before = aine(db)
    values = {**current(view), "role": "Chief Resilience Officer", "phone": "call me"}
    status, body = await server.submit_view(view, values, AINE[0])
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["phone"] and "is not a phone number" in answer["errors"]["phone"]
    assert aine(db) == before  # nothing saved, not even the good role
    await fake_slack.settle(0.2)
    assert fake_slack.called("chat.postMessage") == []


async def test_a_stranger_gets_no_form_and_cannot_submit_one(server: RunningServer, fake_slack: FakeSlack,
                                                              db: Database) -> None:
    welcome = await open_modal(server, fake_slack, "USTRANGER")  # the loading modal says who may use it
    assert "I don't recognise this account yet" in texts(welcome["blocks"])
    assert "submit" not in welcome and all(b["type"] != "input" for b in welcome["blocks"])
    fake_slack.calls.clear()
    view = await open_modal(server, fake_slack)  # Aine's modal, replayed by someone else
    before = aine(db)
    status, body = await server.submit_view(view, {**current(view), "role": "Impostor"}, "USTRANGER")
    assert status == 200 and body == ""
    posted = (await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage")))[0]
    assert posted.body["channel"] == "USTRANGER"
    assert "I don't recognise this account yet" in texts(posted.body["blocks"])
    assert aine(db) == before
    with db.session() as session:
        assert search(session, "impostor") == []


async def test_if_the_modal_cannot_open_the_form_comes_as_a_message(server: RunningServer,
                                                                    fake_slack: FakeSlack) -> None:
    fake_slack.fail("views.open", 200, {"ok": False, "error": "expired_trigger_id"})
    await server.slash("me", AINE[0], response_url=fake_slack.response_url("fallback"))
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    seen = texts(answer["blocks"])
    assert "Edit your profile" in seen and "Director of Finance" in seen and "me set" in seen
    assert len(fake_slack.called("views.open")) == 1 and fake_slack.called("views.update") == []


async def test_if_the_loading_modal_cannot_be_updated_the_answer_comes_as_a_message(
        server: RunningServer, fake_slack: FakeSlack) -> None:
    fake_slack.fail("views.update", 200, {"ok": False, "error": "not_found"})
    await server.slash("me", AINE[0], response_url=fake_slack.response_url("fallback"))
    _, answer = (await fake_slack.wait_for(lambda: fake_slack.responses))[0]
    assert "Edit your profile" in texts(answer["blocks"])


async def test_the_modal_is_open_before_the_answer_is_worked_out(server: RunningServer,
                                                                 fake_slack: FakeSlack, monkeypatch) -> None:
    """However long the turn takes, the trigger_id (good for 3 s) was spent before it began."""
    from adapters.slack.turns import SlackTurns

    opened_before_the_turn: list[bool] = []
    original = SlackTurns.text

    async def observed(self, context, client, text):  # type: ignore[no-untyped-def]
        opened_before_the_turn.append(bool(fake_slack.called("views.open")))
        return await original(self, context, client, text)
    monkeypatch.setattr(SlackTurns, "text", observed)
    view = await open_modal(server, fake_slack)
    assert opened_before_the_turn == [True]
    assert current(view)["role"] == "Director of Finance"
