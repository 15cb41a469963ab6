"""Finding 6: Slack retries and replayed requests run once, whichever `serve` process they reach — the
record of what was taken is in the database, not in one process's memory."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from directory.clock import FakeClock
from directory.database import Database
from directory.seen_requests import SeenRequest, first_time, forget_expired
from tests.helpers import load_sample
from tests.slack_fakes import (
    FakeSlack,
    RunningServer,
    block_actions,
    event_callback,
    sign,
    slash_command,
    start_server,
    stop_server,
    view_submission,
)

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def two_servers(db: Database, database_url: str,
                      fake_slack: FakeSlack) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    """Two `serve` processes behind one load balancer: the same database, nothing else shared."""
    load_sample(db)
    first = await start_server(database_url, fake_slack)
    second = await start_server(database_url, fake_slack)
    yield first, second
    await stop_server(first)
    await stop_server(second)


async def deliver(server: RunningServer, body: str, headers: dict[str, str], content_type: str = FORM) -> int:
    """Send exactly these bytes with exactly these headers (a replay is a copy, signature and all)."""
    async with server.session.post(server.url + "/slack/events", data=body.encode(),
                                   headers={"Content-Type": content_type, **headers}) as response:
        return response.status


async def test_a_retry_that_reaches_another_process_does_not_run_again(
        two_servers: tuple[RunningServer, RunningServer], fake_slack: FakeSlack) -> None:
    first, second = two_servers
    event = {"type": "app_home_opened", "user": "UAINE", "channel": "D0HOME", "tab": "home",
             "event_ts": "1700000000.000300"}
    body = event_callback(event, event_id="Ev0SHARED")
    assert await deliver(first, body, sign(body), "application/json") == 200
    await fake_slack.wait_for(lambda: fake_slack.called("views.publish"))
    retried = event_callback(event, event_id="Ev0SHARED")  # Slack re-signs each retry
    retry = {**sign(retried, int(time.time()) + 1), "X-Slack-Retry-Num": "1",
             "X-Slack-Retry-Reason": "http_error"}
    assert await deliver(second, retried, retry, "application/json") == 200
    await fake_slack.settle()
    assert len(fake_slack.called("views.publish")) == 1


@pytest.mark.parametrize("kind", ["slash command", "button press"])
async def test_a_replayed_signed_request_runs_once_on_any_process(
        two_servers: tuple[RunningServer, RunningServer], fake_slack: FakeSlack, kind: str) -> None:
    """Someone who captured a signed request sends the same bytes again, inside the signature's five
    minutes, to the same process and to another one."""
    first, second = two_servers
    if kind == "slash command":
        body = slash_command("find nurse", user_id="UAINE", response_url=fake_slack.response_url("r"))
    else:
        body = block_actions("profile.view:2", user_id="UAINE", response_url=fake_slack.response_url("r"))
    headers = sign(body)
    for server in (first, first, second):
        assert await deliver(server, body, headers) == 200
    await fake_slack.wait_for(lambda: fake_slack.responses)
    await fake_slack.settle()
    assert len(fake_slack.responses) == 1


async def test_a_replayed_modal_submission_saves_and_confirms_once(
        two_servers: tuple[RunningServer, RunningServer], fake_slack: FakeSlack) -> None:
    """A modal's submission runs the core before its ack (errors travel in the ack): checked there too."""
    first, second = two_servers
    await first.slash("me", "UAINE", response_url=fake_slack.response_url("me"))
    # The modal opens loading, then views.update puts the form in it: that is the view submitted.
    view = (await fake_slack.wait_for(lambda: fake_slack.called("views.update")))[0].body["view"]
    body = view_submission(view, {"role": "Chief Resilience Officer"}, user_id="UAINE")
    headers = sign(body)
    for server in (first, second, first):
        assert await deliver(server, body, headers) == 200
    await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage"))
    await fake_slack.settle()
    assert len(fake_slack.called("chat.postMessage")) == 1


async def test_the_same_words_typed_twice_are_two_commands(two_servers: tuple[RunningServer, RunningServer],
                                                           fake_slack: FakeSlack) -> None:
    """Each command Slack sends has its own trigger id (and timestamp), so a new command is never taken
    for a replay of the last one, even within the same second."""
    first, second = two_servers
    for server in (first, second, first):
        status, _ = await server.slash("find nurse", "UAINE", response_url=fake_slack.response_url("t"))
        assert status == 200
    await fake_slack.wait_for(lambda: len(fake_slack.responses) == 3)


def test_a_key_is_taken_once_and_forgotten_after_it_expires(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        assert first_time(session, "slack:event:Ev1", timedelta(hours=1))
        assert not first_time(session, "slack:event:Ev1", timedelta(hours=1))
        assert first_time(session, "slack:event:Ev2", timedelta(minutes=15))
    clock.advance(minutes=20)
    with db.session() as session:
        assert not first_time(session, "slack:event:Ev1", timedelta(hours=1))  # still remembered
        assert first_time(session, "slack:event:Ev2", timedelta(minutes=15))  # expired: new again
    clock.advance(hours=2)
    with db.session() as session:
        assert forget_expired(session) == 2
        assert session.scalar(select(func.count()).select_from(SeenRequest)) == 0
    with pytest.raises(ValueError), db.session() as session:
        first_time(session, "x" * 201, timedelta(minutes=1))


def test_racing_claims_of_one_key_let_exactly_one_through(db: Database) -> None:
    """Two processes handling the same delivery at the same moment: one runs it, the other skips."""
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        with db.session() as session:
            results.append(first_time(session, "slack:event:EvRACE", timedelta(hours=1)))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False] * 7 + [True]
