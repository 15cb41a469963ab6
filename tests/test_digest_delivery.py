"""Digests end to end on both platforms: queued by a digest run, delivered by a real worker over HTTP to
the fake Slack Web API and the fake Bot Connector, each item arriving with its link button (the URL kept
through the outbox) and "Useful" / "Not for me"; a press — a signed Slack `block_actions`, a Teams
`adaptiveCard/action` invoke — counts once for the item, never for the person."""

from __future__ import annotations

from sqlalchemy import select

from directory.content import ContentItem
from directory.conversations import ConversationRef, save_reference
from directory.database import Database
from directory.digests import DigestSent
from tests import fakes_teams as teams
from tests.content_helpers import digest, digest_rows, publish, topics
from tests.fakes_teams import BOT_ID, TENANT, Member
from tests.live_helpers import deliver, link
from tests.slack_fakes import texts
from tests.slack_limits import check_message
from tests.teams_server import post, running
from tests.test_live_cards_teams import check
from tests.test_teams_http import nodes, submits

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
LINK = "https://www.ncsc.gov.uk/collection/10-steps?utm=leaders&x=%3C1%3E#top"


# `fake_slack` and `server` (the real application, sample directory loaded) come from tests/slack_fixtures.py.


def counters(db: Database, item_id: int) -> tuple[int, int]:
    with db.session() as session:
        item = session.get(ContentItem, item_id)
        assert item is not None
        return item.useful, item.not_for_me


async def test_a_digest_on_slack_has_link_buttons_and_counts_feedback_once(server, fake_slack, db) -> None:
    topics(db)
    link(db, "slack", "T0001", *AINE)
    first = publish(db, "Ten steps to cyber security", url=LINK)
    second = publish(db, "Workforce census <!channel>", topic="workforce")
    assert digest(db, force=True).sent == 1
    await deliver(db, server.services.settings)
    (posted,) = fake_slack.called("chat.postMessage")
    check_message(posted.body)
    blocks = posted.body["blocks"]
    links = [e["url"] for b in blocks for e in b.get("elements", [])
             if e.get("type") == "button" and "url" in e]
    assert sorted(links) == sorted([LINK, "https://www.ncsc.gov.uk/collection/10-steps"])  # URLs kept exactly
    (title,) = [b for b in blocks if "Workforce census" in str(b)]
    assert title["type"] == "header" and title["text"]["type"] == "plain_text"  # no mrkdwn: no ping
    assert "This is your first digest" in texts(blocks)
    values = [e["value"] for b in blocks for e in b.get("elements", []) if "value" in e]
    assert f"content.useful:{first}" in values and f"content.not_for_me:{second}" in values
    row = digest_rows(db)[0]
    where = {"channel_id": row.sent_conversation, "message_ts": row.platform_message_id,
             "is_ephemeral": False}
    for _ in range(2):  # a double-click counts once
        status, _ = await server.press(f"content.useful:{first}", AINE[0],
                                       response_url=fake_slack.response_url(), **where)
        assert status == 200
    await server.press(f"content.not_for_me:{second}", AINE[0], response_url=fake_slack.response_url("n"),
                       **where)
    await fake_slack.wait_for(lambda: len(fake_slack.responses) >= 3)
    assert counters(db, first) == (1, 0) and counters(db, second) == (0, 1)
    said = [texts(body.get("blocks", [])) for _, body in fake_slack.responses]
    assert any("counted for the item, never for you" in s for s in said)
    assert any("already counted" in s for s in said)
    with db.session() as session:  # what is kept about her: that she answered, not what
        assert {(s.item_id, s.answered) for s in session.scalars(select(DigestSent))} == {(first, True),
                                                                                         (second, True)}


async def test_a_digest_on_teams_has_open_url_buttons_and_counts_feedback(settings, connector, db) -> None:
    fake, url = connector
    topics(db)
    link(db, "teams", TENANT, KIM.aad_object_id, KIM.email or "")
    with db.session() as session:
        save_reference(session, ConversationRef(TENANT, KIM.aad_object_id,
                                                f"a:1personal-{KIM.aad_object_id}", "personal", url, BOT_ID,
                                                KIM.id, "Leaders Connect"))
    item = publish(db, "Ten steps to cyber security", url=LINK)
    assert digest(db, force=True).sent == 1
    await deliver(db, settings)
    (activity,) = fake.posted()
    card = check(activity["attachments"][0]["content"])
    opens = [n for n in nodes(card) if n.get("type") == "Action.OpenUrl"]
    assert [o["url"] for o in opens] == [LINK]
    useful = next(b for b in submits(card) if b["title"] == "Useful")
    async with running(settings) as (base, _, _):
        for _ in range(2):
            status, _ = await post(base, teams.card_execute(url, KIM, useful["verb"], useful["data"]))
            assert status == 200
    assert counters(db, item) == (1, 0)
