"""`/leaders poll new`: the staff form — a modal on Slack, validated like `leaders poll create`, bad values
answered under their field with nothing created, refused to leaders even if they craft the submission."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.engine import Bot
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.polls import Poll
from directory.settings import Settings
from tests.helpers import load_sample
from tests.live_helpers import link
from tests.slack_fakes import (
    FakeSlack,
    RunningServer,
    post_signed,
    start_server,
    stop_server,
    texts,
    view_submission,
)

STAFF = ("UKIM", "kim.chen@manchester.gov.uk")
GOOD = {
    "question": "How confident are you?",
    "options": "Very\nSomewhat\n\nNot at all",
    "kind": "single",
    "audience": "sector:health",
    "opens": "+1h",
    "closes": "+3d",
    "reminders": "+1d, +2d",
    "attributed": "anonymous",
    "min_group": "5",
    "results": "participants",
}


def polls(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Poll)) or 0)


def test_the_form_creates_a_poll_and_says_what_is_wrong_under_the_field(db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    load_sample(db)
    link(db, "slack", "T0001", *STAFF)
    link(db, "slack", "T0001", "UAINE", "aine.nibhriain@belfastcity.gov.uk")
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, LEADERS_STAFF_EMAILS=STAFF[1], _env_file=None))  # type: ignore[call-arg]
    staff = ChatIdentity("slack", "T0001", STAFF[0])
    form = bot.handle_text(staff, "poll new").form
    assert form is not None and form.submit_action == "poll.create"
    for bad, field in (
        ({"closes": "+1m"}, "closes"),
        ({"options": "only one"}, "options"),
        ({"audience": "region:atlantis"}, "audience"),
        ({"opens": "someday"}, "opens"),
        ({"question": ""}, "question"),
        ({"min_group": "five"}, "min_group"),
    ):
        answer = bot.handle_submit(staff, "poll.create", {**GOOD, **bad}).form
        assert answer is not None and set(answer.errors) == {field}, (bad, answer and answer.errors)
    assert polls(db) == 0
    done = bot.handle_submit(staff, "poll.create", GOOD).plain()
    assert "Poll 1 created" in done and polls(db) == 1
    with db.session() as session:
        poll = session.get(Poll, 1)
        assert poll is not None and poll.results_for == "participants" and len(poll.reminders) == 2
    leader = ChatIdentity("slack", "T0001", "UAINE")
    assert "staff team only" in bot.handle_submit(leader, "poll.create", GOOD).plain()  # a crafted submission
    assert polls(db) == 1


@pytest.fixture
async def slack(db: Database, database_url: str, clock) -> AsyncIterator[tuple[RunningServer, FakeSlack]]:  # type: ignore[no-untyped-def]
    load_sample(db)
    link(db, "slack", "T0001", *STAFF)
    fake = await FakeSlack(emails={STAFF[0]: STAFF[1]}).start()
    server = await start_server(database_url, fake, staff_emails=STAFF[1])
    yield server, fake
    await stop_server(server)
    await fake.stop()


async def test_poll_new_on_slack_is_a_modal(slack, db: Database) -> None:  # type: ignore[no-untyped-def]
    server, fake = slack
    await server.slash("poll new", STAFF[0], response_url=fake.response_url("new"))
    (opened,) = await fake.wait_for(lambda: fake.called("views.open"))
    view = opened.body["view"]
    assert view["type"] == "modal" and "question" in [b.get("block_id") for b in view["blocks"]]
    status, _ = await post_signed(
        server.session,
        f"{server.url}/slack/events",
        view_submission(view, {**GOOD, "closes": "+1m"}, user_id=STAFF[0]),
        content_type="application/x-www-form-urlencoded",
    )
    assert status == 200 and polls(db) == 0
    status, _ = await post_signed(
        server.session,
        f"{server.url}/slack/events",
        view_submission(view, GOOD, user_id=STAFF[0]),
        content_type="application/x-www-form-urlencoded",
    )
    assert status == 200
    posted = await fake.wait_for(
        lambda: [c for c in fake.called("chat.postMessage") if "created" in texts(c.body.get("blocks") or [])]
    )
    assert "Poll 1 created" in texts(posted[-1].body["blocks"]) and polls(db) == 1
