"""Staff announce from chat: a form (a Slack modal) or typed `announce <text> --url … --audience … --at …`,
checked exactly as `leaders announce` checks it, answered with the audience size and a Confirm button —
nothing is queued before Confirm — then the live delivery report. Leaders get the "staff only" answer."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from adapters.console.session import ConsoleConversation
from bot.engine import Bot
from directory.accounts import ChatIdentity
from directory.announcements import Announcement, key_prefix
from directory.database import Database
from directory.outbox import OutboxMessage
from directory.settings import Settings
from tests.helpers import load_sample
from tests.live_helpers import link
from tests.slack_fakes import FakeSlack, post_signed, slash_command, start_server, stop_server, texts
from tests.slack_limits import check_modal

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
ROSA = ("UROSA", "rosa.lee@nwas.nhs.uk")


def queued(db: Database, announcement_id: int) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.dedupe_key.startswith(key_prefix(announcement_id)))) or 0


def announcements(db: Database) -> list[Announcement]:
    with db.session() as session:
        return list(session.scalars(select(Announcement).order_by(Announcement.id)))


def bot_for(db: Database) -> Bot:
    return Bot(db, Settings(_env_file=None, LEADERS_DATABASE_URL=db.url,  # type: ignore[call-arg]
                            LEADERS_STAFF_EMAILS=AINE[1]))


def test_typed_in_the_console_it_waits_for_confirm_then_shows_the_report(db: Database) -> None:
    load_sample(db)
    for user, email in (AINE, ROSA):
        link(db, "slack", "T0001", user, email)
    console = ConsoleConversation(bot_for(db), AINE[1])
    refused = console.say("announce Office hours --url javascript:alert(1)")
    assert "Nothing was sent: links must start with https://" in refused and announcements(db) == []
    assert "Nothing was sent" in console.say("announce Office hours --at soon") and announcements(db) == []
    assert "Nothing was sent" in console.say("announce --audience sector:health") and announcements(db) == []
    asked = console.say("announce Office hours at 4pm. --url https://www.gov.uk/x --audience everyone")
    (draft,) = announcements(db)
    size = draft.audience_size
    assert size > 1 and f"Send this to {size:,} leaders" in asked and "Confirm" in asked
    assert draft.confirmed_at is None and draft.text == "Office hours at 4pm." and queued(db, draft.id) == 0
    shown = console.press(f"Confirm: send to {size:,}")
    assert f"Announcement {draft.id}: delivery report" in shown and "Waiting" in shown
    assert queued(db, draft.id) >= 1 and announcements(db)[0].confirmed_at is not None
    again = console.say("announce status " + str(draft.id))  # the live report, as before
    assert "delivery report" in again
    n = queued(db, draft.id)
    console.say(f"announce status {draft.id}")
    assert queued(db, draft.id) == n  # a second Confirm (or a status) never queues the messages again


def test_cancel_sends_nothing_and_leaders_get_the_staff_only_answer(db: Database) -> None:
    load_sample(db)
    console = ConsoleConversation(bot_for(db), AINE[1])
    console.say("announce Hello all")
    assert "nothing was sent" in console.press("Cancel").lower() and announcements(db) == []
    bot = bot_for(db)
    rosa = ChatIdentity("console", "local", ROSA[1], email=ROSA[1])
    assert "staff team only" in bot.handle_text(rosa, "announce Hello all").plain()
    assert "staff team" in bot.handle_submit(rosa, "announce.check", {"text": "Hello"}).plain()
    console.say("announce Hello again")
    (draft,) = announcements(db)
    pressed = bot.handle_action(rosa, f"announce.confirm:{draft.id}:{draft.audience_size}").plain()
    assert "staff team" in pressed and queued(db, draft.id) == 0


def test_confirm_refuses_when_the_audience_changed_since_it_was_shown(db: Database) -> None:
    load_sample(db)
    bot = bot_for(db)
    aine = ChatIdentity("console", "local", AINE[1], email=AINE[1])
    bot.handle_text(aine, "announce Hello all")
    (draft,) = announcements(db)
    answer = bot.handle_action(aine, f"announce.confirm:{draft.id}:{draft.audience_size + 5}").plain()
    assert "Nothing was sent: the audience is now" in answer and queued(db, draft.id) == 0
    assert announcements(db)[0].confirmed_at is None


async def test_on_slack_a_modal_then_confirm_in_the_dm_then_the_report(db: Database,
                                                                      database_url: str) -> None:
    load_sample(db)
    fake = await FakeSlack(emails={AINE[0]: AINE[1], ROSA[0]: ROSA[1]}).start()
    server = await start_server(database_url, fake, staff_emails=AINE[1])
    try:
        command = slash_command("announce", user_id=AINE[0], response_url=fake.response_url("a"))
        status, _ = await post_signed(server.session, server.url + "/slack/events", command,
                                      content_type="application/x-www-form-urlencoded")
        assert status == 200
        view = (await fake.wait_for(lambda: fake.called("views.update")))[-1].body["view"]
        check_modal(view)
        fields = {"text": "Budget briefing on Thursday.", "url": "http://insecure.example/x", "audience": "",
                  "at": ""}
        status, body = await server.submit_view(view, fields, AINE[0])
        assert status == 200 and "errors" in body and "https" in json.loads(body)["errors"]["url"]
        assert announcements(db) == []
        status, body = await server.submit_view(view, {**fields, "url": "https://www.gov.uk/b"}, AINE[0])
        assert status == 200 and body == ""
        posted = (await fake.wait_for(lambda: fake.called("chat.postMessage")))[-1].body
        (draft,) = announcements(db)
        assert f"Send this to {draft.audience_size:,} leaders" in texts(posted["blocks"])
        assert queued(db, draft.id) == 0
        confirm = next(e for b in posted["blocks"] for e in b.get("elements", [])
                       if e.get("type") == "button" and e["text"]["text"].startswith("Confirm"))
        status, _ = await server.press(confirm["value"], AINE[0], response_url=fake.response_url("c"),
                                       action_id=confirm["action_id"], channel_id="D0AINE",
                                       is_ephemeral=False)
        assert status == 200
        _, answer = (await fake.wait_for(lambda: fake.responses))[-1]
        assert f"Announcement {draft.id}: delivery report" in texts(answer["blocks"])
        assert queued(db, draft.id) >= 1

        await server.slash("announce Hello", ROSA[0], response_url=fake.response_url("r"))
        await fake.wait_for(lambda: len(fake.responses) >= 2)
        assert "staff team only" in texts(fake.responses[-1][1]["blocks"])
    finally:
        await stop_server(server)
        await fake.stop()


async def test_on_teams_the_card_form_then_confirm_then_the_report(  # type: ignore[no-untyped-def]
        settings, connector, db) -> None:
    from tests import fakes_teams as teams
    from tests.fakes_teams import Member
    from tests.teams_server import post, running
    from tests.test_teams_http import cards_of, submits
    from tests.test_teams_http import texts as card_texts

    kim = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
    fake, url = connector
    fake.members[kim.id] = kim
    staff = settings.model_copy(update={"staff_emails": kim.email})

    def everything() -> str:
        return " ".join(" ".join(card_texts(c)) for a in fake.posted() for c in cards_of(a))

    async with running(staff) as (base, _, _):
        await post(base, teams.message(url, kim, "announce"))
        form = cards_of(fake.posted()[-1])[0]
        (check,) = [b for b in submits(form) if b["data"]["action"] == "announce.check"]
        values = {**check["data"], "text": "Budget briefing.", "url": "https://www.gov.uk/b",
                  "audience": "", "at": ""}
        status, _ = await post(base, teams.card_execute(url, kim, check["verb"], values))
        assert status == 200
        (draft,) = announcements(db)
        assert f"Send this to {draft.audience_size:,} leaders" in everything()
        assert queued(db, draft.id) == 0
        buttons = [b for a in fake.posted() for c in cards_of(a) for b in submits(c)]
        (confirm,) = [b for b in buttons if b["data"]["action"].startswith("announce.confirm")]
        status, body = await post(base, teams.card_execute(url, kim, confirm["verb"], confirm["data"]))
        assert status == 200
    # The pressed confirmation is replaced by the report, in the invoke's answer.
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert f"Announcement {draft.id}: delivery report" in card_texts(body["value"])
    assert queued(db, draft.id) >= 1
