"""Slack over Socket Mode, end to end: `leaders serve` with SLACK_APP_TOKEN set, as a real process, opens
the WebSocket through a fake Slack on loopback (`apps.connections.open`, then `hello` and an envelope),
acks the envelope, and the leader's answer reaches the fake response_url."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from directory.database import Database
from tests.helpers import load_sample
from tests.slack_fakes import (
    SIGNING_SECRET,
    FakeSocketModeSlack,
    slash_command_payload,
    socket_mode_envelope,
    texts,
)

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk")
APP_TOKEN = "xapp-test"
BOT_TOKEN = "xoxb-test"
STARTUP_SECONDS = 60
Serve = Callable[[str], Awaitable[tuple[subprocess.Popen[bytes], str, Path]]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSocketModeSlack]:
    fake = await FakeSocketModeSlack(emails={AINE[0]: AINE[1]}, app_token=APP_TOKEN).start()
    yield fake
    await asyncio.wait_for(fake.stop(), 10)


@pytest.fixture
async def serve(db: Database, database_url: str, fake_slack: FakeSocketModeSlack,
                tmp_path: Path) -> AsyncIterator[Serve]:
    """Start `leaders serve --no-scheduler` with the given app token; wait (without blocking the loop the
    fake runs on) until /healthz answers. Returns the process, its base URL and its stderr log file."""
    load_sample(db)
    processes: list[subprocess.Popen[bytes]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=database_url, PYTHONUNBUFFERED="1", SLACK_SIGNING_SECRET=SIGNING_SECRET,
               SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.api_url)

    async def start(app_token: str) -> tuple[subprocess.Popen[bytes], str, Path]:
        port = free_port()
        log = tmp_path / f"serve-{len(processes)}.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "adapters.cli", "serve", "--no-scheduler", "--port", str(port)],
                cwd=tmp_path, env={**env, "SLACK_APP_TOKEN": app_token}, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=stderr)
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_SECONDS
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise AssertionError(f"serve exited early: {log.read_text()}")
                try:
                    async with session.get(base + "/healthz") as response:
                        if response.status == 200:
                            return process, base, log
                except (TimeoutError, aiohttp.ClientError):
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"serve did not start within {STARTUP_SECONDS} s: {log.read_text()}")

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


async def stop(process: subprocess.Popen[bytes], log: Path) -> str:
    """SIGTERM, as a process manager would; `leaders serve` should close the socket and exit 0."""
    process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    output = log.read_text()
    assert process.returncode == 0, (process.returncode, output)
    return output


async def wait_for_log(log: Path, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = log.read_text()
        if text in output:
            return output
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} not logged within {timeout} s: {log.read_text()}")


async def test_a_slash_command_over_socket_mode_is_acked_and_answered(
        serve: Serve, fake_slack: FakeSocketModeSlack) -> None:
    payload = slash_command_payload("find nurse", user_id=AINE[0], response_url=fake_slack.response_url("sm"))
    fake_slack.envelopes.append(socket_mode_envelope("env-1", "slash_commands", payload))
    process, _, log = await serve(APP_TOKEN)

    await fake_slack.wait_for(lambda: fake_slack.connections, timeout=20)
    opened = fake_slack.called("apps.connections.open")
    assert [c.authorization for c in opened] == [f"Bearer {APP_TOKEN}"]

    acks = await fake_slack.wait_for(lambda: fake_slack.acks, timeout=20)
    assert acks == [{"envelope_id": "env-1"}]  # an empty ack: Slack shows nothing until the answer

    answers = await fake_slack.wait_for(lambda: fake_slack.responses, timeout=20)
    path, answer = answers[0]
    assert path == "/response/sm"
    assert answer["response_type"] == "ephemeral"
    seen = texts(answer["blocks"])
    assert "Alex Smith-Jones" in seen and "Rosa Lee" in seen
    lookups = fake_slack.called("users.info")
    assert [c.body["user"] for c in lookups] == ["UAINE"]
    assert lookups[0].authorization == f"Bearer {BOT_TOKEN}"

    output = await stop(process, log)
    assert "Slack Socket Mode connected" in output
    assert APP_TOKEN not in output and BOT_TOKEN not in output


async def test_a_wrong_app_token_is_logged_and_the_server_keeps_serving(
        serve: Serve, fake_slack: FakeSocketModeSlack) -> None:
    wrong = "xapp-wrong-1-A0LEADERS-secretsecret"
    process, base, log = await serve(wrong)

    await wait_for_log(log, "Slack Socket Mode could not connect")  # startup is not blocked by Slack
    await wait_for_log(log, "Leaders Connect listening", timeout=5)
    opened = fake_slack.called("apps.connections.open")
    assert opened and all(c.authorization == f"Bearer {wrong}" for c in opened)
    assert fake_slack.connections == 0 and fake_slack.acks == []

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, \
            session.get(base + "/healthz") as response:
        assert response.status == 200

    output = await stop(process, log)
    assert "invalid_auth" in output  # why, for the operator
    assert wrong not in output and "secretsecret" not in output
