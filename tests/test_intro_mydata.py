"""A blocked requester's `mydata` download (over real HTTP) must not tell them they were blocked: the
"not available" rule holds in the data export too. The one who blocked sees their own block."""

from __future__ import annotations

import json

from sqlalchemy import select

from directory.database import Database
from directory.introductions import Introduction
from tests.live_helpers import link
from tests.slack_fakes import FakeSlack, RunningServer

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
SEAN = ("USEAN", "sean.obrien@scotland.police.uk")
REASON = "I'd value your experience of major incidents as we plan for winter."


async def _mydata(server: RunningServer, fake: FakeSlack, user: str) -> dict:
    await server.slash("mydata", user, response_url=fake.response_url(f"m{user}"))
    found = await fake.wait_for(lambda: [a for p, a in fake.responses if p == f"/response/m{user}"])
    url = next(e["url"] for b in found[0]["blocks"] if b["type"] == "actions" for e in b["elements"])
    token = url.split("token=", 1)[1]
    async with server.session.post(server.url + "/mydata", data={"token": token}) as download:
        assert download.status == 200
        return json.loads(await download.text())


async def test_a_blocked_requesters_data_export_does_not_say_they_were_blocked(
        server: RunningServer, fake_slack: FakeSlack, db: Database) -> None:
    server.services.settings.public_url = server.url
    link(db, "slack", "T0001", *AINE)
    link(db, "slack", "T0001", *SEAN)
    status, _ = await server.slash(f"intro Seán O'Brien {REASON}", AINE[0],
                                   response_url=fake_slack.response_url("ask"))
    assert status == 200
    await fake_slack.wait_for(lambda: [a for p, a in fake_slack.responses if p == "/response/ask"])
    with db.session() as session:
        intro = session.scalars(select(Introduction)).one()
    status, _ = await server.press(f"intro.block:{intro.id}~0", SEAN[0],
                                   response_url=fake_slack.response_url("block"))
    assert status == 200
    pressed = await fake_slack.wait_for(
        lambda: [a for p, a in fake_slack.responses if p == "/response/block"])
    assert "Blocked:" in json.dumps(pressed, ensure_ascii=False)
    mine = await _mydata(server, fake_slack, AINE[0])
    assert "intro.blocked" not in json.dumps(mine)
    assert "intro.declined" in {e["action"] for e in mine["audit_log"]}  # the decline itself she was told
    (asked,) = mine["introductions"]  # her introductions are hers to have, the reason she wrote too
    assert (asked["you"], asked["other"], asked["status"], asked["reason"]) == (
        "asked", "Seán O'Brien", "declined", REASON)
    assert mine["introductions_blocked_by_you"] == []
    theirs = await _mydata(server, fake_slack, SEAN[0])
    assert "intro.blocked" in {e["action"] for e in theirs["audit_log"]}
    assert theirs["introductions_blocked_by_you"] == ["Áine Ní Bhriain"]
    assert theirs["introductions"][0]["you"] == "were asked"
