"""The delivery report in chat for staff, through the real Slack endpoint: `announce status ID` answers
with the figures now and sends a live copy, which the `announcement-reports` sweep redraws in place
(`chat.update`) once delivery has moved on — and leaves alone when nothing changed. Not for leaders."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.announcements import create
from directory.database import Database
from scheduler.announcement_jobs import refresh_reports
from tests.helpers import load_sample
from tests.live_helpers import deliver, link
from tests.slack_fakes import FakeSlack, RunningServer, start_server, stop_server, texts

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")  # staff
SEAN = ("USEAN", "sean.obrien@scotland.police.uk")
ROSA = ("UROSA", "rosa.lee@nwas.nhs.uk")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(emails=dict((AINE, SEAN, ROSA))).start()
    yield fake
    await fake.stop()


@pytest.fixture
async def server(db: Database, database_url: str, fake_slack: FakeSlack) -> AsyncIterator[RunningServer]:
    load_sample(db)
    running = await start_server(database_url, fake_slack, staff_emails=AINE[1])
    yield running
    await stop_server(running)


async def test_staff_watch_the_report_fill_in(server, fake_slack, db) -> None:
    for user, email in (AINE, SEAN, ROSA):
        link(db, "slack", "T0001", user, email)
    with db.session() as session:
        number = create(session, actor="cli:test", text="Winter pressures call at 10:00.").id
    status, _ = await server.slash(f"announce status {number}", AINE[0],
                                   response_url=fake_slack.response_url("s"))
    assert status == 200
    (answer,) = await fake_slack.wait_for(lambda: [b for p, b in fake_slack.responses if p == "/response/s"])
    seen = texts(answer["blocks"])
    assert "Announcement 1: delivery report" in seen and "*Waiting:* 3" in seen and "*Sent:* 0" in seen
    await deliver(db, server.services.settings)  # the three announcements and the live report
    posts = fake_slack.called("chat.postMessage")
    assert len(posts) == 4
    assert refresh_reports(db) == 1
    await deliver(db, server.services.settings)
    (update,) = fake_slack.called("chat.update")
    assert "*Sent:* 3" in texts(update.body["blocks"]) and "*Waiting:* 0" in texts(update.body["blocks"])
    assert refresh_reports(db) == 0  # nothing changed: nothing redrawn
    await server.slash(f"announce status {number}", SEAN[0], response_url=fake_slack.response_url("x"))
    (refused,) = await fake_slack.wait_for(lambda: [b for p, b in fake_slack.responses if p == "/response/x"])
    assert "staff team only" in json.dumps(refused)
