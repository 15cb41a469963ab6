"""`/leaders settings` as a form: on Slack a modal (opened at once, validated against Block Kit's limits)
whose signed `view_submission` saves every field or keeps the modal with the errors; the same form's
submission through the engine for Teams and the console. Nothing is stored from a form with a bad field."""

from __future__ import annotations

from bot.engine import Bot
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.digests import preference
from directory.people import by_email
from directory.settings import Settings
from tests.content_helpers import topics
from tests.live_helpers import link
from tests.slack_fakes import FakeSlack, RunningServer, post_signed, slash_command
from tests.slack_limits import check_modal
from tests.test_slack_me import current

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")


def pref_of(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as session:
        leader = by_email(session, AINE[1])
        assert leader is not None
        return preference(session, leader.id)


async def test_the_settings_modal_saves_everything_or_nothing(server: RunningServer, fake_slack: FakeSlack,
                                                             db: Database) -> None:
    topics(db)
    command = slash_command("settings", user_id=AINE[0], response_url=fake_slack.response_url("s"))
    status, _ = await post_signed(server.session, server.url + "/slack/events", command,
                                  content_type="application/x-www-form-urlencoded")
    assert status == 200
    view = (await fake_slack.wait_for(lambda: fake_slack.called("views.update")))[-1].body["view"]
    check_modal(view)
    values = current(view)
    assert values == {"cadence": "weekly", "weekday": "monday", "time": "08:00", "timezone": "Europe/London",
                      "topics": "all"}
    bad = {**values, "cadence": "daily", "time": "7.3o", "topics": "cyber, astrology"}
    status, body = await server.submit_view(view, bad, AINE[0])
    assert status == 200 and "errors" in body and "time" in body and "topics" in body
    assert pref_of(db).cadence == "weekly"  # nothing stored
    good = {**values, "cadence": "daily", "time": "07:30", "timezone": "europe/dublin", "topics": "cyber"}
    status, body = await server.submit_view(view, good, AINE[0])
    assert status == 200 and body == ""
    saved = pref_of(db)
    assert (saved.cadence, saved.minute, saved.timezone, saved.topics) == ("daily", 450, "Europe/Dublin",
                                                                           ("cyber",))


def test_the_same_form_through_the_engine(db: Database) -> None:
    from tests.helpers import load_sample

    load_sample(db)
    topics(db)
    link(db, "teams", "tenant", "aad-aine", AINE[1])
    link(db, "slack", "T0001", AINE[0], AINE[1])
    bot = Bot(db, Settings(_env_file=None, LEADERS_DATABASE_URL=db.url))  # type: ignore[call-arg]
    who = ChatIdentity("teams", "tenant", "aad-aine")
    shown = bot.handle_text(who, "settings")
    assert shown.form is not None and [f.name for f in shown.form.fields][-1] == "platform"  # on both
    values = {"cadence": "weekly", "weekday": "friday", "time": "16:45", "timezone": "Europe/London",
              "topics": "all", "platform": "slack"}
    saved = bot.handle_submit(who, "settings.save", values)
    assert "Your settings are saved" in saved.plain() and "weekly on Friday at 16:45" in saved.plain()
    refused = bot.handle_submit(who, "settings.save", {**values, "cadence": "hourly"})
    assert "Nothing was saved: choose daily, weekly or off" in refused.plain() and refused.form is not None
    assert pref_of(db).weekday == 4


def test_a_leaders_own_data_download_holds_their_digest_settings(db: Database) -> None:
    from directory.data_rights import export
    from tests.helpers import load_sample

    load_sample(db)
    topics(db)
    link(db, "slack", "T0001", AINE[0], AINE[1])
    bot = Bot(db, Settings(_env_file=None, LEADERS_DATABASE_URL=db.url))  # type: ignore[call-arg]
    bot.handle_text(ChatIdentity("slack", "T0001", AINE[0]), "settings topics cyber")
    with db.session() as session:
        leader = by_email(session, AINE[1])
        assert leader is not None
        data = export(session, leader)
    assert data["digest_settings"]["topics"] == ["cyber"] and data["digest_items_sent"] == []


async def test_on_teams_settings_is_a_card_with_inputs_that_saves(settings, connector, db) -> None:
    from tests import fakes_teams as teams
    from tests.fakes_teams import Member
    from tests.teams_server import post, running
    from tests.test_live_cards_teams import check
    from tests.test_teams_http import cards_of, submits, texts
    from tests.test_teams_me import inputs

    kim = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
    fake, url = connector
    fake.members[kim.id] = kim
    topics(db)
    async with running(settings) as (base, _, _):
        await post(base, teams.message(url, kim, "settings"))
        card = next(c for c in cards_of(fake.posted()[-1]) if inputs(c))
        check(card)
        fields = inputs(card)
        assert fields["cadence"]["type"] == "Input.ChoiceSet" and fields["cadence"]["value"] == "weekly"
        assert fields["time"]["value"] == "08:00"
        (save,) = [b for b in submits(card) if b["data"].get("action") == "settings.save"]
        submitted = {**{name: field["value"] for name, field in fields.items()}, **save["data"],
                     "cadence": "daily", "time": "06:45", "topics": "workforce"}
        await post(base, teams.submit(url, kim, submitted))
        shown = " ".join(texts(cards_of(fake.posted()[-1])[0]))
    assert "Your settings are saved" in shown and "daily at 06:45" in shown and "workforce" in shown
