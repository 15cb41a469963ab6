"""Staff read a closed poll's results in chat: text bars on Slack (Block Kit within Slack's limits), Teams'
own `Chart.VerticalBar` with a literal text fallback (the rest of the card valid Adaptive Card 1.5), the
same bars in the console; and the stored form of the chart survives the outbox's JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from adapters.console.render import render
from adapters.slack.render import post_message
from adapters.teams.render import render_card
from bot.engine import Bot
from bot.poll_lifecycle import close_poll, open_poll
from bot.replies import Chart, Reply
from bot.reply_codec import reply_from_json, reply_to_json
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.poll_store import vote
from directory.polls import Poll
from directory.settings import Settings
from tests.helpers import load_sample
from tests.live_helpers import leader, link
from tests.poll_helpers import new_poll
from tests.slack_limits import check_message

SCHEMA = json.loads((Path(__file__).with_name("schemas") / "adaptive-card-1.5.schema.json").read_text())
STAFF = "kim.chen@manchester.gov.uk"


def without_charts(node: object) -> object:
    """The card with each Teams chart replaced by its fallback: what the 1.5 schema can check."""
    if isinstance(node, dict):
        if node.get("type") == "Chart.VerticalBar":
            assert set(node) <= {"type", "title", "data", "fallback"}
            assert all(set(d) == {"x", "y"} and isinstance(d["y"], int) for d in node["data"])
            return without_charts(node["fallback"])
        return {k: without_charts(v) for k, v in node.items()}
    if isinstance(node, list):
        return [without_charts(v) for v in node]
    return node


def closed_poll(db: Database) -> int:
    load_sample(db)
    for user, email in (
        ("UAINE", "aine.nibhriain@belfastcity.gov.uk"),
        ("USEAN", "sean.obrien@scotland.police.uk"),
        ("UKIM", STAFF),
    ):
        link(db, "slack", "T0001", user, email)
    poll_id = new_poll(db, options=["Very <b>", "Somewhat", "*Not* at all"])
    with db.session() as session:
        open_poll(session, session.get(Poll, poll_id), "cli:test")
    with db.session() as session:
        for email, option in (
            ("aine.nibhriain@belfastcity.gov.uk", 1),
            ("sean.obrien@scotland.police.uk", 1),
            (STAFF, 3),
        ):
            vote(session, poll_id, leader(db, email), choose=option)
    with db.session() as session:
        close_poll(session, session.get(Poll, poll_id), "cli:test")
    return poll_id


def test_the_results_card_on_every_platform(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    poll_id = closed_poll(db)
    settings = Settings(LEADERS_DATABASE_URL=db.url, LEADERS_STAFF_EMAILS=STAFF, _env_file=None)  # type: ignore[call-arg]
    reply = Bot(db, settings).handle_text(ChatIdentity("slack", "T0001", "UKIM"), f"poll results {poll_id}")
    (chart,) = [b for b in reply.blocks if isinstance(b, Chart)]
    assert chart.bars == (("Very <b>", 2), ("Somewhat", 0), ("*Not* at all", 1))
    assert "3 of 3 answered (100%)" in reply.plain() and "hidden (small group)" in reply.plain()
    slack = post_message(reply)
    check_message(slack)
    shown = json.dumps(slack, ensure_ascii=False)
    assert "Very &lt;b&gt;" in shown and "█████████████░░░░░░░ 2 (67%)" in shown  # text bars, escaped labels
    card = render_card(reply)
    charts = [n for n in json.dumps(card).split('"type": "') if n.startswith("Chart.VerticalBar")]
    assert len(charts) == 1
    jsonschema.Draft6Validator(SCHEMA).validate(without_charts(card))
    assert "Very <b>" in json.dumps(card, ensure_ascii=False)  # literal: Teams shows it as typed
    console = render(reply)
    assert "Very <b>" in console and "░" in console
    assert reply_from_json(reply_to_json(reply)) == reply


def test_leaders_cannot_read_results_in_chat(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    poll_id = closed_poll(db)
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    refused = bot.handle_text(ChatIdentity("slack", "T0001", "UAINE"), f"poll results {poll_id}").plain()
    assert "for the Leaders Connect staff team only" in refused and "Very" not in refused
    assert isinstance(Reply(), Reply)
