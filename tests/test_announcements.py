"""Announcements and their delivery report: queued to everyone in the audience through the outbox,
delivered by a real worker to a fake Slack that refuses some recipients for good and rate-limits the
workspace for a while; `leaders announce status` then says exactly how many were sent, how many wait
and how many failed, and why. Scheduled ones (`--at`) wait in the outbox until their moment."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.announcements import create
from directory.announcements import Announcement, report
from directory.database import Database
from directory.models import utcnow
from directory.outbox import OutboxMessage, as_utc
from tests.delivery_helpers import make_accounts, run_worker_until, settled
from tests.test_delivery_slack import ONE_SECOND_WINDOWS, installed, slack, worker_for  # noqa: F401


def announce(db: Database, **options: object) -> int:
    with db.session() as session:
        return create(session, actor="cli:test", **options).id  # type: ignore[arg-type]


def status(db: Database, announcement_id: int) -> dict:
    with db.session() as session:
        announcement = session.get(Announcement, announcement_id)
        assert announcement is not None
        return report(session, announcement).as_json()


async def test_the_report_counts_sent_waiting_and_failed_with_reasons(slack, installed) -> None:  # noqa: F811
    fake, url = slack
    make_accounts(installed, "slack", "TNORTH", 30)
    fake.permanent.update({"U00003": "user_not_found", "U00007": "user_not_found",
                           "U00011": "account_inactive"})
    fake.throttle["TNORTH"] = (0.5, 1)  # 429 with Retry-After for the first half second
    number = announce(installed, text="The spending review is on Thursday.", url="https://www.gov.uk/sr")
    before = status(installed, number)
    assert (before["audience_size"], before["sent"], before["waiting"], before["failed"]) == (30, 0, 30, 0)
    await run_worker_until(worker_for(installed, url, LEADERS_SLACK_WORKSPACE_PER_MINUTE=1200,
                                      **ONE_SECOND_WINDOWS), lambda: settled(installed))
    after = status(installed, number)
    assert (after["sent"], after["waiting"], after["failed"]) == (27, 0, 3)
    reasons = {f["reason"]: f["count"] for f in after["failures"]}
    assert sum(reasons.values()) == 3 and any("user_not_found" in r for r in reasons)
    assert any("account_inactive" in r for r in reasons)
    assert fake.refused["scripted 429"] >= 1  # it was rate-limited, and the limit cost nobody their message
    assert len(fake.per_recipient()) == 27 and set(fake.per_recipient().values()) == {1}


def test_audience_schedule_and_the_cli(db: Database, leaders) -> None:
    make_accounts(db, "slack", "TNORTH", 3)
    later = utcnow() + timedelta(hours=2)
    number = announce(db, text="Later", audience="sector:local-government", send_at=later)
    with db.session() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(
            f"announce:{number}:to:"))))
    assert len(rows) == 3 and {as_utc(r.next_attempt_at) for r in rows} == {later}
    nobody = announce(db, text="Nobody", audience="sector:policing")
    assert status(db, nobody)["audience_size"] == 0
    shown = leaders("announce", "status", str(number), "--json")
    assert json.loads(shown.stdout)["waiting"] == 3
    made = leaders("announce", "--text", "Hello", "--audience", "sector:health", "--at", "+1h", "--json")
    assert made.returncode == 0 and json.loads(made.stdout)["audience_size"] == 0
    for bad, why in ((["--text", "x", "--url", "javascript:alert(1)"], "javascript: is refused"),
                     (["--text", "x", "--audience", "sector:astrology"], "--audience:"),
                     (["--text", "x", "--at", "someday"], "--at: cannot read"), ([], "--text is required")):
        refused = leaders("announce", *bad)
        assert refused.returncode == 2 and why in refused.stderr, refused.stderr
    assert leaders("announce", "status", "999").returncode == 1
