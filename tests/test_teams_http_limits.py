"""Cheap denial of service on POST /api/messages, tried for real (issue 10, finding 4).

The bodies are written by hand over a raw TCP connection, chunk by chunk, so each test controls exactly
how much of a body the server has when it answers: a server that waited for the whole body before
answering would leave these tests waiting (and failing on their deadline), whatever the machine's speed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

import adapters.teams.app as teams_app
from adapters.teams.config import BotFrameworkEndpoints
from directory.database import Database
from directory.settings import Settings
from tests import fakes_teams as teams
from tests.fakes_teams import APP_ID, TENANT, FakeIdentityServer, FakeTokenServer, Member
from tests.helpers import load_sample
from tests.teams_server import CLEAN_ENV, TENANT_DOMAINS, post, running

KIM = Member("29:1kim", "aad-kim-0001", "Kim Chen", "kim.chen@manchester.gov.uk")
MEGABYTE = 1024 * 1024
DEADLINE = 20.0  # generous: these wait for events, the deadline only ends a test that would hang


@pytest.fixture
def secured(db: Database, monkeypatch: pytest.MonkeyPatch, identity: FakeIdentityServer,
            token_server: FakeTokenServer):  # type: ignore[no-untyped-def]
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)
    load_sample(db)
    settings = Settings(LEADERS_DATABASE_URL=db.url, MICROSOFT_APP_ID=APP_ID,  # type: ignore[call-arg]
                        MICROSOFT_APP_PASSWORD="app-secret", MICROSOFT_APP_TENANT_ID=TENANT,
                        LEADERS_ALLOWED_TENANTS=TENANT,
                        LEADERS_TENANT_DOMAINS=TENANT_DOMAINS, LEADERS_TEAMS_SERVICE_URL_HOSTS="127.0.0.1",
                        _env_file=None)
    return running(settings, BotFrameworkEndpoints(identity.metadata_url, identity.issuer,
                                                   token_server.login_url))


class RawPost:
    """One POST /api/messages with a chunked body, written piece by piece on a plain TCP connection."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.address = urlsplit(base)
        self.headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked", **(headers or {})}
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def open(self) -> RawPost:
        self.reader, self.writer = await asyncio.open_connection(self.address.hostname, self.address.port)
        head = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items())
        request_line = f"POST /api/messages HTTP/1.1\r\nHost: {self.address.netloc}\r\n"
        self.writer.write(f"{request_line}{head}\r\n".encode())
        await self.writer.drain()
        return self

    async def send(self, data: bytes) -> bool:
        """Write one chunk; False once the server has stopped listening (it answered and closed)."""
        try:
            self.writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await self.writer.drain()
            return True
        except (ConnectionResetError, BrokenPipeError):
            return False

    async def finish(self) -> None:
        try:
            self.writer.write(b"0\r\n\r\n")
            await self.writer.drain()
        except (ConnectionResetError, BrokenPipeError):
            pass

    async def status(self) -> int:
        line = await asyncio.wait_for(self.reader.readline(), DEADLINE)
        return int(line.split()[1])

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            await self.writer.wait_closed()


def padded_message(url: str, size: int) -> bytes:
    """A real Teams message activity whose text makes the body `size` bytes long."""
    activity = teams.message(url, KIM, "find ")
    body = json.dumps(activity).encode()
    activity["text"] += "x" * (size - len(body))
    return json.dumps(activity).encode()


async def test_without_a_token_the_body_is_never_read(secured, connector) -> None:
    """401 arrives while the attacker still holds most of a 1 MB body: nothing was read or parsed."""
    _, url = connector
    body = padded_message(url, MEGABYTE)
    async with secured as (base, _, _):
        for header in ({}, {"Authorization": "Basic a2ltOmtpbQ=="}, {"Authorization": "Bearer nonsense"},
                       {"Authorization": "Bearer " + "a" * 5_000 + ".b.c"}):
            raw = await RawPost(base, header).open()
            await raw.send(body[:64 * 1024])
            assert await raw.status() == 401, header
            await raw.close()


async def test_a_chunked_body_over_the_cap_is_refused(secured, connector, identity) -> None:
    """No Content-Length to check: the cap (256 KB) counts the bytes actually read. The activity is
    genuine and the token valid — only its size is wrong."""
    fake, url = connector
    fake.members[KIM.id] = KIM
    body = padded_message(url, MEGABYTE // 2)
    async with secured as (base, _, _):
        raw = await RawPost(base, {"Authorization": f"Bearer {identity.mint(url)}"}).open()
        for start in range(0, len(body), 64 * 1024):
            if not await raw.send(body[start:start + 64 * 1024]):
                break
        await raw.finish()
        assert await raw.status() == 413
        await raw.close()
        status, _ = await post(base, teams.message(url, KIM, "help"), identity.mint(url))  # still serving
        assert status == 201
    assert len(fake.posted()) == 1  # only the small one was answered


@pytest.mark.parametrize("raw", [
    b"[" * 200_000,
    b'{"a":' * 40_000 + b"1" + b"}" * 40_000,
    None,  # a real activity with deeply nested `value`
])
async def test_deeply_nested_json_is_a_400_not_a_500(secured, connector, identity, raw) -> None:
    _, url = connector
    if raw is None:
        activity: dict[str, Any] = teams.submit(url, KIM, {"action": "profile.view:1"})
        nested: Any = "deep"
        for _ in range(200):
            nested = [nested]
        activity["value"]["extra"] = nested
        raw = json.dumps(activity).encode()
    async with secured as (base, _, _):
        status, body = await post(base, None, identity.mint(url), raw=raw)
    assert status == 400 and body["error"] in ("body is not JSON", "body is nested too deeply")


async def test_local_mode_refuses_deep_nesting_too(settings) -> None:
    async with running(settings) as (base, _, _):
        status, body = await post(base, None, raw=b"[" * 200_000)
    assert (status, body) == (400, {"error": "body is not JSON"})


async def test_eight_big_bodies_at_once_leave_health_answering(settings, connector) -> None:
    """Eight clients each hold half a chunked megabyte open; /healthz answers meanwhile; then each body
    is finished and refused at the cap. (Local mode: no token needed to get as far as reading.)"""
    _, url = connector
    body = padded_message(url, MEGABYTE)
    async with running(settings) as (base, _, _):
        raws = [await RawPost(base).open() for _ in range(8)]
        for raw in raws:
            await raw.send(body[: MEGABYTE // 8])
        async with aiohttp.ClientSession() as session, session.get(base + "/healthz") as response:
            assert response.status == 200 and (await response.json())["status"] == "ok"
        for raw in raws:
            for start in range(MEGABYTE // 8, len(body), 64 * 1024):
                if not await raw.send(body[start:start + 64 * 1024]):
                    break
            await raw.finish()
        assert [await raw.status() for raw in raws] == [413] * 8
        for raw in raws:
            await raw.close()


async def test_bodies_are_parsed_off_the_event_loop(settings, connector, monkeypatch) -> None:
    """While eight activities sit in JSON decoding (held there by the test), the event loop still serves
    /healthz — it could not if decoding ran on it. Then each goes on and is answered."""
    fake, url = connector
    fake.members[KIM.id] = KIM
    release, entered = threading.Event(), threading.Semaphore(0)
    decode = teams_app.decode_body

    def held(raw: bytes) -> dict[str, Any]:
        entered.release()
        assert release.wait(DEADLINE), "the test never released the parser"
        return decode(raw)
    monkeypatch.setattr(teams_app, "decode_body", held)
    async with running(settings) as (base, _, _):
        posts = [asyncio.create_task(post(base, teams.message(url, KIM, "help"))) for _ in range(8)]
        assert await asyncio.to_thread(entered.acquire, True, DEADLINE)  # at least one is being parsed
        async with aiohttp.ClientSession() as session, session.get(base + "/healthz") as response:
            assert response.status == 200
        assert not any(task.done() for task in posts)
        release.set()
        assert [status for status, _ in await asyncio.gather(*posts)] == [201] * 8
    assert len(fake.posted()) == 8
