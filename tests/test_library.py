"""`digest` and `library <words or topic>` in chat: the latest items for the leader and a search of
everything curated — only live items, only those whose audience includes the leader, link buttons only
(feedback belongs to digests sent), hostile words harmless. Typed through the real Slack endpoint."""

from __future__ import annotations

import json

from directory import content
from tests.content_helpers import publish, topics
from tests.live_helpers import link
from tests.slack_fakes import FakeSlack, RunningServer

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")  # local government


async def ask(server: RunningServer, fake: FakeSlack, text: str, key: str) -> str:
    status, _ = await server.slash(text, AINE[0], response_url=fake.response_url(key))
    assert status == 200
    found = await fake.wait_for(lambda: [b for p, b in fake.responses if p == f"/response/{key}"])
    return json.dumps(found[-1]["blocks"], ensure_ascii=False)


async def test_digest_and_library_show_what_is_live_for_the_leader(server, fake_slack, db, clock) -> None:
    topics(db)
    link(db, "slack", "T0001", *AINE)
    publish(db, "Ten steps to cyber security", summary="The NCSC's basics for boards.")
    publish(db, "Workforce census results", topic="workforce")
    publish(db, "Only for the police", topic="cyber", audience="sector:policing")
    with db.session() as session:
        content.add_item(session, actor="leader:1", title="Draft on cyber", url="https://gov.uk/d",
                         summary="", topics=["cyber"])
    latest = await ask(server, fake_slack, "digest", "d1")
    assert "Ten steps to cyber security" in latest and "Workforce census results" in latest
    assert "Only for the police" not in latest and "Draft on cyber" not in latest
    assert "content.useful" not in latest and '"url": "https://www.ncsc.gov.uk/collection/10-steps"' in latest
    assert "weekly on Monday at 08:00" in latest
    by_topic = await ask(server, fake_slack, "library cyber", "l1")
    assert "Ten steps to cyber security" in by_topic and "Workforce census" not in by_topic
    by_words = await ask(server, fake_slack, "library ncsc BOARDS", "l2")
    assert "Ten steps to cyber security" in by_words
    nothing = await ask(server, fake_slack, "library ' OR 1=1 -- <script>", "l3")
    assert "Nothing curated matches “' OR 1=1 -- &lt;script&gt;”" in nothing  # mrkdwn escaped
    assert "Topics:" in await ask(server, fake_slack, "library", "l4")
