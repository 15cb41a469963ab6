"""The profile card's "Request introduction": a form for the reason — a Slack modal (views.open on the
button's trigger, a signed view_submission), a Teams card with an input, typed words on the console —
refused with the error under the field when the reason is too short, and a request made when it is not."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from adapters.console.session import ConsoleConversation
from bot.engine import Bot
from directory.database import Database
from directory.introductions import Introduction
from directory.settings import Settings
from tests import fakes_teams as teams
from tests.helpers import load_sample
from tests.intro_helpers import AINE, REASON, SEAN, both, on_slack, on_teams, serving
from tests.live_helpers import slack_buttons
from tests.teams_server import post
from tests.test_teams_http import nodes, submits, texts


def count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Introduction)) or 0)


async def test_slack_the_profile_button_opens_a_modal_and_submitting_it_asks(settings, fake_slack, connector,
                                                                             db: Database) -> None:
    fake_slack.emails[AINE[0]] = AINE[1]
    config = both(settings, fake_slack)
    on_slack(db)
    on_teams(db, connector[1], SEAN)
    async with serving(config) as (_, slack):
        await slack.slash("profile sean obrien", AINE[0], response_url=fake_slack.response_url("p"))
        (card,) = await fake_slack.wait_for(
            lambda: [b for p, b in fake_slack.responses if p == "/response/p"])
        value = slack_buttons(card["blocks"])["Request introduction"]
        await slack.press(value, AINE[0], response_url=fake_slack.response_url("b"))
        (opened,) = await fake_slack.wait_for(lambda: fake_slack.called("views.open"))
        view = opened.body["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert view["title"]["text"] == "Request introduction"
        assert "To Seán O'Brien" in json.dumps(view, ensure_ascii=False)
        status, body = await slack.submit_view(view, {"reason": "hello"}, AINE[0])
        answer = json.loads(body)
        assert answer["response_action"] == "errors" and "you wrote 5" in answer["errors"]["reason"]
        assert count(db) == 0
        status, body = await slack.submit_view(view, {"reason": REASON}, AINE[0])
        assert status == 200 and body == ""
        posted = await fake_slack.wait_for(lambda: [c for c in fake_slack.called("chat.postMessage")
                                                    if "on its way" in json.dumps(c.body)])
        assert "Your request is on its way to Seán O'Brien" in json.dumps(posted[0].body, ensure_ascii=False)
    assert count(db) == 1


async def test_teams_the_profile_button_shows_a_card_form_and_submitting_it_asks(
        settings, fake_slack, connector, db: Database) -> None:
    fake, url = connector
    config = both(settings, fake_slack)
    on_slack(db)
    on_teams(db, url, SEAN)
    async with serving(config) as (base, _):
        await post(base, teams.message(url, SEAN, "profile aine ni bhriain"))
        card = fake.posted()[-1]["attachments"][0]["content"]
        pressed = next(b for b in submits(card) if b["title"] == "Request introduction")
        status, body = await post(base, teams.card_execute(url, SEAN, pressed["verb"], pressed["data"]))
        assert status == 200
        form = body["value"] if isinstance(body.get("value"), dict) else fake.posted()[-1]["attachments"][0][
            "content"]
        assert any(n.get("type") == "Input.Text" and n.get("id") == "reason" for n in nodes(form))
        send = next(b for b in submits(form) if b["title"] == "Send request")
        data = {**send["data"], "reason": "too short"}
        status, body = await post(base, teams.card_execute(url, SEAN, send["verb"], data))
        assert any("you wrote 9" in t for t in texts(body["value"])) and count(db) == 0
        data = {**send["data"], "reason": REASON}
        status, body = await post(base, teams.card_execute(url, SEAN, send["verb"], data))
        assert texts(body["value"])[0] == "Your request is on its way to Áine Ní Bhriain."
    assert count(db) == 1


def test_console_the_button_offers_the_typed_command(db: Database) -> None:
    load_sample(db)
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    aine = ConsoleConversation(bot, AINE[1])
    aine.say("profile sean obrien")
    shown = aine.press("Request introduction")
    assert "Request introduction" in shown and "Or type `intro \"Seán O'Brien\" <reason>`." in shown
    assert "Request introduction" not in aine.say("profile")  # never on your own profile
