"""Staff curating in chat: `content` / `content add` is a form (a Slack modal that passes Block Kit's
limits), its submission refuses a bad link or topic with nothing added, and the two-person rule holds —
the drafter's `content approve` is refused, another staff member's is accepted. Leaders cannot curate."""

from __future__ import annotations

from bot.engine import Bot
from directory import content
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.settings import Settings
from tests.content_helpers import topics
from tests.helpers import load_sample
from tests.live_helpers import link
from tests.slack_fakes import FakeSlack, post_signed, slash_command, start_server, stop_server
from tests.slack_limits import check_modal

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
SEAN = ("USEAN", "sean.obrien@scotland.police.uk")
ROSA = ("UROSA", "rosa.lee@nwas.nhs.uk")
GOOD = {"title": "Ten steps", "url": "https://www.ncsc.gov.uk/x", "summary": "Start here.", "topics": "cyber",
        "audience": "", "publish": "", "expires": "+7d"}


def test_two_staff_members_draft_and_approve_in_chat(db: Database) -> None:
    load_sample(db)
    topics(db)
    for user, email in (AINE, SEAN, ROSA):
        link(db, "slack", "T0001", user, email)
    bot = Bot(db, Settings(_env_file=None, LEADERS_DATABASE_URL=db.url,  # type: ignore[call-arg]
                           LEADERS_STAFF_EMAILS=f"{AINE[1]},{SEAN[1]}"))
    aine, sean, rosa = (ChatIdentity("slack", "T0001", u) for u, _ in (AINE, SEAN, ROSA))
    assert bot.handle_text(aine, "content add").form is not None
    assert "staff team only" in bot.handle_text(rosa, "content add").plain()
    assert "staff team" in bot.handle_submit(rosa, "content.save", GOOD).plain()
    refused = bot.handle_submit(aine, "content.save", {**GOOD, "url": "javascript:alert(1)"})
    assert "Nothing was added: links must start with https:// (javascript: is refused" in refused.plain()
    assert refused.form is not None and refused.form.fields[1].value == "javascript:alert(1)"
    assert "Nothing was added: unknown topic 'astrology'" in bot.handle_submit(
        aine, "content.save", {**GOOD, "topics": "astrology"}).plain()
    assert "cannot read" in bot.handle_submit(aine, "content.save", {**GOOD, "publish": "soon"}).plain()
    added = bot.handle_submit(aine, "content.save", GOOD).plain()
    assert "Added item 1, “Ten steps”: another staff member must approve it" in added
    assert "Nothing changed: item 1 was drafted by you" in bot.handle_text(aine, "content approve 1").plain()
    assert "is published" in bot.handle_text(sean, "content approve 1").plain()
    assert "Ten steps — published, cyber" in bot.handle_text(sean, "content list").plain()
    with db.session() as session:
        item = content.get_item(session, 1)
        assert (item.drafted_by, item.approved_by) != ("", "") and item.drafted_by != item.approved_by
    assert "is retired" in bot.handle_text(sean, "content retire 1").plain()


async def test_content_add_opens_a_modal_on_slack(db: Database, database_url: str) -> None:
    load_sample(db)
    topics(db)
    fake = await FakeSlack(emails={AINE[0]: AINE[1]}).start()
    server = await start_server(database_url, fake, staff_emails=AINE[1])
    try:
        command = slash_command("content", user_id=AINE[0], response_url=fake.response_url("c"))
        status, _ = await post_signed(server.session, server.url + "/slack/events", command,
                                      content_type="application/x-www-form-urlencoded")
        assert status == 200
        view = (await fake.wait_for(lambda: fake.called("views.update")))[-1].body["view"]
        check_modal(view)
        assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"][:2] == ["title", "url"]
    finally:
        await stop_server(server)
        await fake.stop()
