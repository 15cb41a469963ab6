"""Delivery to Slack, end to end: outbox rows → a real worker → slack-sdk over HTTP → a fake Slack that
enforces rate limits and can answer 429, 5xx and permanent errors. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select, update

from adapters.bootstrap import build_services
from directory.database import Database
from directory.models import utcnow
from directory.outbox import FAILED, PENDING, SENDING, SENT, OutboxMessage
from tests.delivery_fakes import Limit, LimitedSlack
from tests.delivery_helpers import (
    counts,
    install_workspaces,
    make_accounts,
    queue,
    run_worker_until,
    settled,
    slack_settings,
    stamped,
    wait_for,
)

TOKENS = {"xoxb-north": "TNORTH", "xoxb-south": "TSOUTH"}
# Rate tests count the workspace budget over 1-second windows so they finish quickly, and judge every
# limit by the moment the worker let each request go (`stamped`, tests/delivery_fakes.py): arrival on a
# loaded loopback comes late and bunched, which made these tests fail under load. 20 % headroom stays.
ONE_SECOND_WINDOWS = {"LEADERS_SLACK_WORKSPACE_WINDOW_SECONDS": 1, "LEADERS_DELIVERY_HEADROOM": 0.8}


@pytest.fixture
async def slack() -> AsyncIterator[tuple[LimitedSlack, str]]:
    fake = LimitedSlack(tokens=dict(TOKENS))
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}/api/"
    await runner.cleanup()


@pytest.fixture
def installed(db: Database) -> Database:
    install_workspaces(db, TOKENS)
    return db


def worker_for(db: Database, api_url: str, fake: LimitedSlack | None = None,
               **settings: object):  # type: ignore[no-untyped-def]
    """A real delivery worker; given the `fake`, its sends are judged by departure (`stamped`)."""
    services = build_services(slack_settings(db, api_url, **settings), with_workers=True)
    assert services.delivery is not None
    return stamped(services.delivery, fake) if fake is not None else services.delivery


def messages(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_poll_reaches_every_leader_once_as_a_direct_message(slack, installed) -> None:
    fake, url = slack
    accounts = make_accounts(installed, "slack", "TNORTH", 40)
    assert queue(installed, accounts) == 40
    await run_worker_until(worker_for(installed, url), lambda: settled(installed))
    per_recipient = fake.per_recipient()
    assert len(per_recipient) == 40 and set(per_recipient.values()) == {1}
    assert "TNORTH/U00007" in per_recipient  # channel = the user's id: the app's DM with them
    assert fake.texts()["poll-1 to U00007"] == 1
    rows = messages(installed)
    assert {r.status for r in rows} == {SENT} and {r.attempts for r in rows} == {1}
    # Where Slack put it (the DM channel) and its ts: what chat.update needs to change the card later.
    assert rows[7].sent_conversation == "DU00007"
    assert all(re.fullmatch(r"\d+\.\d{6}", r.platform_message_id) for r in rows)
    assert len({r.platform_message_id for r in rows}) == 40
    assert all(r.lease_owner is None and r.sent_at is not None for r in rows)


async def test_enqueuing_again_after_delivery_sends_nothing_more(slack, installed) -> None:
    fake, url = slack
    accounts = make_accounts(installed, "slack", "TNORTH", 5)
    queue(installed, accounts)
    await run_worker_until(worker_for(installed, url), lambda: settled(installed))
    assert queue(installed, accounts) == 0  # the same logical messages: no-ops
    await run_worker_until(worker_for(installed, url), lambda: settled(installed))
    assert sum(fake.per_recipient().values()) == 5


async def test_no_workspace_exceeds_its_limit(slack, installed) -> None:
    """The fake refuses anything over 20 per second per workspace; the worker must never be refused."""
    fake, url = slack
    fake.workspace_limit = Limit(20, 1.0)
    queue(installed, make_accounts(installed, "slack", "TNORTH", 50))
    await run_worker_until(worker_for(installed, url, fake, LEADERS_SLACK_WORKSPACE_PER_MINUTE=1200,
                                      **ONE_SECOND_WINDOWS), lambda: settled(installed))
    assert sum(fake.refused.values()) == 0, fake.refused
    assert counts(installed) == {SENT: 50}
    assert fake.max_in_window("TNORTH", 1.0) <= 20


async def test_one_channel_gets_at_most_one_message_a_second(slack, installed) -> None:
    fake, url = slack
    fake.channel_limit = Limit(1, 1.0)
    (account,) = make_accounts(installed, "slack", "TNORTH", 1)
    for n in range(3):
        queue(installed, [account], tag=f"digest-{n}")
    await run_worker_until(worker_for(installed, url, fake, LEADERS_SLACK_CHANNEL_PER_SECOND=1,
                                      LEADERS_DELIVERY_HEADROOM=0.8),
                           lambda: settled(installed))
    assert sum(fake.refused.values()) == 0, fake.refused
    times = sorted(fake.delivered_at("TNORTH"))
    assert len(times) == 3 and all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_one_busy_channel_does_not_hold_up_the_others(slack, installed) -> None:
    fake, url = slack
    fake.channel_limit = Limit(1, 1.0)
    busy, *others = make_accounts(installed, "slack", "TNORTH", 11)
    for n in range(3):
        queue(installed, [busy], tag=f"digest-{n}")
    queue(installed, others)
    await run_worker_until(worker_for(installed, url, fake, LEADERS_SLACK_CHANNEL_PER_SECOND=1,
                                      LEADERS_DELIVERY_HEADROOM=0.8), lambda: settled(installed))
    assert sum(fake.refused.values()) == 0, fake.refused
    order = [d.channel for d in sorted(fake.delivered, key=lambda d: d.at)]  # in the order they left
    assert order.count("U00000") == 3
    second_digest = order.index("U00000", order.index("U00000") + 1)
    assert second_digest > max(order.index(f"U{n:05d}") for n in range(1, 11))  # the others did not wait


async def test_retry_after_pauses_only_the_throttled_workspace(slack, installed) -> None:
    """North answers 429 with Retry-After: 2 for a moment; nothing more goes to North until those 2 s are
    up, South keeps flowing meanwhile, and North's 429s do not count as tries."""
    fake, url = slack
    fake.throttle["TNORTH"] = (0.5, 2)
    fake.workspace_limit = Limit(10, 1.0)  # South takes about two seconds
    queue(installed, make_accounts(installed, "slack", "TNORTH", 10, prefix="N"))
    queue(installed, make_accounts(installed, "slack", "TSOUTH", 20, prefix="S"))
    await run_worker_until(worker_for(installed, url, fake, LEADERS_SLACK_WORKSPACE_PER_MINUTE=600,
                                      **ONE_SECOND_WINDOWS), lambda: settled(installed))
    throttled = fake.refused.pop("scripted 429")
    assert 1 <= throttled <= 16  # what was already in flight when the first 429 came back
    assert sum(fake.refused.values()) == 0, fake.refused
    north, south = fake.delivered_at("TNORTH"), fake.delivered_at("TSOUTH")
    assert len(north) == 10 and len(south) == 20
    assert min(north) - fake.throttled_at["TNORTH"] >= 2.0  # North waited out its Retry-After …
    assert any(fake.throttled_at["TNORTH"] < t < min(north) for t in south)  # … while South flowed
    assert {r.attempts for r in messages(installed)} == {1}


async def test_permanent_errors_fail_at_once_with_the_reason(slack, installed) -> None:
    fake, url = slack
    accounts = make_accounts(installed, "slack", "TNORTH", 3)
    fake.permanent["U00001"] = "account_inactive"
    fake.permanent["U00002"] = "channel_not_found"
    queue(installed, accounts)
    await run_worker_until(worker_for(installed, url), lambda: settled(installed))
    rows = {r.user_id: r for r in messages(installed)}
    assert rows["U00000"].status == SENT
    assert (rows["U00001"].status, rows["U00001"].attempts) == (FAILED, 1)
    assert rows["U00001"].last_error == "Slack refused: account_inactive"
    assert rows["U00002"].last_error == "Slack refused: channel_not_found"
    assert fake.attempts["U00001"] == 1 and fake.attempts["U00002"] == 1


async def test_server_errors_are_retried_with_backoff_then_delivered(slack, installed) -> None:
    fake, url = slack
    (account,) = make_accounts(installed, "slack", "TNORTH", 1)
    fake.server_errors["U00000"] = 2
    queue(installed, [account])
    await run_worker_until(worker_for(installed, url), lambda: settled(installed))
    (row,) = messages(installed)
    assert (row.status, row.attempts) == (SENT, 3)
    assert fake.attempts["U00000"] == 3


async def test_after_the_last_try_a_message_is_failed(slack, installed) -> None:
    fake, url = slack
    (account,) = make_accounts(installed, "slack", "TNORTH", 1)
    fake.server_errors["U00000"] = 100
    queue(installed, [account])
    await run_worker_until(worker_for(installed, url, LEADERS_DELIVERY_MAX_ATTEMPTS=3),
                           lambda: settled(installed))
    (row,) = messages(installed)
    assert (row.status, row.attempts) == (FAILED, 3)
    assert row.last_error.startswith("gave up after 3 tries: Slack server error (HTTP 500")
    assert fake.attempts["U00000"] == 3


async def test_a_workspace_without_an_installation_fails_with_a_reason(slack, installed) -> None:
    fake, url = slack
    queue(installed, make_accounts(installed, "slack", "TGONE", 1))
    await run_worker_until(worker_for(installed, url, LEADERS_ALLOWED_SLACK_TEAMS="TNORTH,TGONE"),
                           lambda: settled(installed))
    (row,) = messages(installed)
    assert row.status == FAILED and "not installed in this workspace" in row.last_error
    assert sum(fake.attempts.values()) == 0


async def test_rows_held_by_a_dead_worker_are_claimed_again_when_its_lease_runs_out(slack, installed) -> None:
    fake, url = slack
    queue(installed, make_accounts(installed, "slack", "TNORTH", 4))
    with installed.session() as session:  # a worker claimed two rows and the lane, then died
        ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(2)))
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
            status=SENDING, lease_owner="dead", lease_expires_at=utcnow() + timedelta(seconds=1)))
    await run_worker_until(worker_for(installed, url), lambda: settled(installed))
    assert counts(installed) == {SENT: 4}
    assert set(fake.per_recipient().values()) == {1}


async def test_stopping_a_worker_gives_back_what_it_has_not_sent(slack, installed) -> None:
    fake, url = slack
    fake.workspace_limit = Limit(5, 1.0)
    queue(installed, make_accounts(installed, "slack", "TNORTH", 30))
    worker = worker_for(installed, url, fake, LEADERS_SLACK_WORKSPACE_PER_MINUTE=300,
                        **ONE_SECOND_WINDOWS)
    task = asyncio.create_task(worker.run())
    await wait_for(lambda: len(fake.delivered) >= 1)  # stopped once it has sent some, whatever the load
    worker.stop()
    await task
    await worker.sender.close()
    status = counts(installed)
    assert status.get(SENDING, 0) == 0  # nothing left leased to a worker that is gone
    assert status[SENT] == len(fake.delivered) and 0 < status[SENT] < 30
    assert status[PENDING] == 30 - status[SENT]
    await run_worker_until(worker_for(installed, url, fake, LEADERS_SLACK_WORKSPACE_PER_MINUTE=300,
                                      **ONE_SECOND_WINDOWS), lambda: settled(installed))
    assert set(fake.per_recipient().values()) == {1} and len(fake.per_recipient()) == 30


async def test_a_workspace_no_longer_admitted_gets_nothing(slack, installed) -> None:
    """TSOUTH is still installed but has left LEADERS_ALLOWED_SLACK_TEAMS: its leaders' messages fail at
    once with the reason, and Slack is never called for them; TNORTH's go as before."""
    fake, url = slack
    queue(installed, make_accounts(installed, "slack", "TSOUTH", 2) + make_accounts(installed, "slack",
                                                                                   "TNORTH", 1, prefix="N"))
    await run_worker_until(worker_for(installed, url, LEADERS_ALLOWED_SLACK_TEAMS="TNORTH"),
                           lambda: settled(installed))
    failed = [r for r in messages(installed) if r.status == FAILED]
    assert len(failed) == 2 and {r.attempts for r in failed} == {1}
    assert {r.last_error for r in failed} == {"Slack: this workspace is not in LEADERS_ALLOWED_SLACK_TEAMS"}
    assert list(fake.per_recipient()) == ["TNORTH/N00000"]
