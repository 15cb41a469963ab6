"""Slack turns run in worker processes of their own (adapters/turn_processes.py), through real signed HTTP:
the answer still arrives, modals still open on the command's trigger, de-duplication still holds, and a
worker that dies takes nothing with it silently — its one turn is reported to the person, the rest are
answered, and a new worker takes its place."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters import turn_processes
from adapters.slack.http import SLACK_TURNS
from adapters.turn_processes import TurnProcesses, TurnWorkersDidNotStartError
from bot.engine import Bot
from directory.database import Database
from tests.helpers import load_sample
from tests.slack_fakes import (
    FakeSlack,
    RunningServer,
    event_callback,
    sign,
    slash_command,
    start_server,
    stop_server,
    texts,
    view_submission,
)

AINE = "UAINE"
FORM = "application/x-www-form-urlencoded"
CRASHING_WORKER = (sys.executable, str(Path(__file__).with_name("crashing_turn_worker.py")))


@pytest.fixture
async def served(db: Database, database_url: str, fake_slack: FakeSlack,
                 request: pytest.FixtureRequest) -> AsyncIterator[RunningServer]:
    """The real server with two turn worker processes (one with `@pytest.mark.parametrize` of `size`)."""
    load_sample(db)
    size = getattr(request, "param", 2)
    running = await start_server(database_url, fake_slack, turn_processes=size, turn_nice=0)
    yield running
    await stop_server(running)


def pool(server: RunningServer) -> TurnProcesses:
    engine = server.runner.app[SLACK_TURNS]
    assert isinstance(engine, TurnProcesses)
    return engine


def answers(fake: FakeSlack) -> dict[str, dict[str, Any]]:
    return {path.rsplit("/", 1)[1]: body for path, body in fake.responses}


async def until(predicate: Any, timeout: float = 30.0) -> None:
    """Wait for the pool to reach a state (a worker started or gone): it notifies nobody, so look often."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def deliver(server: RunningServer, body: str, headers: dict[str, str], content_type: str = FORM) -> int:
    async with server.session.post(server.url + "/slack/events", data=body.encode(),
                                   headers={"Content-Type": content_type, **headers}) as response:
        return response.status


async def test_a_command_is_answered_by_a_worker_process_not_the_server(
        served: RunningServer, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_here(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the engine ran in the server process")
    monkeypatch.setattr(Bot, "handle_text", not_here)  # this process only: the workers have their own
    assert len(pool(served).workers) == 2

    status, body = await served.slash("find finance", AINE, response_url=fake_slack.response_url("a"))
    assert status == 200 and body == ""
    answer = (await fake_slack.wait_for(lambda: answers(fake_slack).get("a")))
    assert answer["response_type"] == "ephemeral"
    assert "Áine Ní Bhriain" in texts(answer["blocks"])
    assert "Director of Finance, Belfast City Council" in texts(answer["blocks"])
    assert "+44 7700 900102" not in texts(answer["blocks"])  # privacy is the engine's, wherever it runs


async def test_many_commands_at_once_are_each_answered_once(served: RunningServer,
                                                            fake_slack: FakeSlack) -> None:
    for n in range(12):  # more than the workers: the rest wait in the server, in order
        status, _ = await served.slash("find chief constable", AINE,
                                       response_url=fake_slack.response_url(f"{n}"))
        assert status == 200
    await fake_slack.wait_for(lambda: len(fake_slack.responses) == 12, timeout=30)
    await fake_slack.settle()
    assert sorted(answers(fake_slack), key=int) == [str(n) for n in range(12)]
    assert all("Seán O'Brien" in texts(a["blocks"]) for a in answers(fake_slack).values())


async def test_a_modal_opens_on_the_commands_trigger_and_its_submission_saves(
        served: RunningServer, fake_slack: FakeSlack, db: Database) -> None:
    """`/leaders me`: the loading modal opens in the server at once (trigger_id lasts 3 s), the form from
    the worker replaces it, and submitting it runs in a worker before the ack."""
    await served.slash("me", AINE, response_url=fake_slack.response_url("me"))
    updated = (await fake_slack.wait_for(lambda: fake_slack.called("views.update")))[-1]
    (opened,) = fake_slack.called("views.open")
    assert fake_slack.calls.index(opened) < fake_slack.calls.index(updated)
    body = view_submission(updated.body["view"], {"role": "Chief Resilience Officer"}, user_id=AINE)
    assert await deliver(served, body, sign(body)) == 200
    posted = (await fake_slack.wait_for(lambda: fake_slack.called("chat.postMessage")))[0]
    assert posted.body["channel"] == AINE

    await served.slash("find resilience officer", AINE, response_url=fake_slack.response_url("check"))
    check = await fake_slack.wait_for(lambda: answers(fake_slack).get("check"))
    assert "Chief Resilience Officer" in texts(check["blocks"])


async def test_replays_and_retries_still_run_once(served: RunningServer, fake_slack: FakeSlack) -> None:
    command = slash_command("find nurse", user_id=AINE, response_url=fake_slack.response_url("r"))
    headers = sign(command)
    for _ in range(3):  # the same signed bytes: a replay
        assert await deliver(served, command, headers) == 200
    event = {"type": "app_home_opened", "user": AINE, "channel": "D0HOME", "tab": "home",
             "event_ts": "1700000000.000300"}
    first = event_callback(event, event_id="Ev0TWICE")
    assert await deliver(served, first, sign(first), "application/json") == 200
    again = event_callback(event, event_id="Ev0TWICE")  # Slack re-signs its retry
    retry = {**sign(again), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert await deliver(served, again, retry, "application/json") == 200

    await fake_slack.wait_for(lambda: fake_slack.responses and fake_slack.called("views.publish"), timeout=10)
    await fake_slack.settle(0.5)
    assert len(fake_slack.responses) == 1 and len(fake_slack.called("views.publish")) == 1


@pytest.mark.parametrize("served", [1], indirect=True)
async def test_a_worker_that_dies_mid_turn_is_reported_and_replaced(
        served: RunningServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    """One worker; it dies in the middle of a turn. That person is told; the command queued behind it is
    answered by the worker started in its place; nothing else is lost or run twice."""
    engine = pool(served)
    engine.argv = CRASHING_WORKER  # the replacement is ordinary: this sets what the next start runs...
    (old,) = engine.workers
    old.process.kill()  # ...so retire the ordinary worker first, then wait for its misbehaving successor
    await until(lambda: len(engine.workers) == 1 and old not in engine.workers)

    caplog.set_level(logging.ERROR, logger="adapters")
    await served.slash("find crash-the-worker", AINE, response_url=fake_slack.response_url("crash"))
    await served.slash("find finance", AINE, response_url=fake_slack.response_url("after"))
    await fake_slack.wait_for(lambda: len(fake_slack.responses) == 2, timeout=30)
    await fake_slack.settle()
    got = answers(fake_slack)
    assert len(fake_slack.responses) == 2
    assert "interrupted on our side" in texts(got["crash"]["blocks"])
    assert "Áine Ní Bhriain" in texts(got["after"]["blocks"])
    assert engine.lost == 1
    await until(lambda: len(engine.workers) == 1)  # a third worker, ready
    assert any("exited with code 3 while running a turn" in r.getMessage() for r in caplog.records)
    assert any("interrupted: its worker process died" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("served", [1], indirect=True)
async def test_an_engine_error_in_a_worker_is_answered_and_the_worker_carries_on(
        served: RunningServer, fake_slack: FakeSlack) -> None:
    engine = pool(served)
    engine.argv = CRASHING_WORKER
    (old,) = engine.workers
    old.process.kill()
    await until(lambda: len(engine.workers) == 1 and old not in engine.workers)
    (worker,) = engine.workers

    await served.slash("find raise-in-the-engine", AINE, response_url=fake_slack.response_url("bug"))
    failed = await fake_slack.wait_for(lambda: answers(fake_slack).get("bug"), timeout=10)
    assert "something went wrong on our side" in texts(failed["blocks"])
    await served.slash("find finance", AINE, response_url=fake_slack.response_url("next"))
    fine = await fake_slack.wait_for(lambda: answers(fake_slack).get("next"), timeout=10)
    assert "Áine Ní Bhriain" in texts(fine["blocks"])
    assert engine.workers == {worker} and engine.lost == 0  # the same process answered both


async def test_a_server_whose_workers_cannot_start_says_so(db: Database, database_url: str,
                                                          fake_slack: FakeSlack,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turn_processes, "WORKER_COMMAND", (sys.executable, "-c", "import sys; sys.exit(2)"))
    with pytest.raises(TurnWorkersDidNotStartError,
                       match="turn worker process did not start: it exited with code 2"):
        await start_server(database_url, fake_slack, turn_processes=2)


async def test_a_command_acknowledged_before_shutdown_is_still_answered(db: Database, database_url: str,
                                                                       fake_slack: FakeSlack) -> None:
    load_sample(db)
    running = await start_server(database_url, fake_slack, turn_processes=1, turn_nice=0)
    engine = pool(running)
    status, _ = await running.slash("find finance", AINE, response_url=fake_slack.response_url("late"))
    assert status == 200
    await stop_server(running)  # straight after the ack: the turn has not even reached a worker yet
    assert "Áine Ní Bhriain" in texts(answers(fake_slack)["late"]["blocks"])
    assert engine.workers == set() or all(w.process.returncode is not None for w in engine.workers)
