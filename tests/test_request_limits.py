"""Cheap denial of service, closed (finding 4): every endpoint reads at most a small, fixed number of bytes
— chunked bodies and lying Content-Lengths included — and the core reads at most a few KB of chat text,
stripping mentions in one pass. Requests go over real sockets, written byte by byte as a client would."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from adapters.request_bodies import PAGE_FORM, SIGNIN_CALLBACK, SLACK_EVENTS
from bot import engine
from bot.commands import REGISTRY
from bot.engine import MAX_TEXT_LENGTH, Bot
from bot.grammar import parse
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.settings import Settings
from tests.helpers import load_sample
from tests.slack_fakes import FakeSlack, RunningServer, sign, slash_command, start_server, stop_server, texts

SEAN = ChatIdentity("console", "local", "sean", "sean.obrien@scotland.police.uk")


@pytest.fixture
async def server(db: Database, database_url: str, fake_slack: FakeSlack) -> AsyncIterator[RunningServer]:
    """The real application with Slack and Sign in with Microsoft configured (Microsoft is never reached:
    every request here is refused before that)."""
    load_sample(db)
    running = await start_server(database_url, fake_slack, microsoft_app_id="app-id",
                                 microsoft_app_password="secret", allowed_tenants="tenant-1",
                                 microsoft_app_tenant_id="tenant-1")
    yield running
    await stop_server(running)


async def raw_post(url: str, headers: dict[str, str], chunks: list[bytes], *, finish: bool = True,
                   timeout: float = 15) -> tuple[int, str]:
    """POST chunked (or with the Content-Length given), piece by piece; if not `finish`, the
    body never ends and the connection stays open. Returns the status and body of the answer, which must
    come within `timeout` seconds — a server still waiting for the end of the body never answers."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    chunked = "Content-Length" not in headers
    head = {"Host": f"{parts.hostname}:{parts.port}", **({"Transfer-Encoding": "chunked"} if chunked else {}),
            **headers}
    writer.write((f"POST {parts.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
                  + "\r\n").encode())
    try:
        for chunk in chunks:
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
            await writer.drain()
        if finish and chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except ConnectionError:
        pass  # the server answered and closed while we were still sending: read what it said
    try:
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        response_headers: dict[str, str] = {}
        while (line := await asyncio.wait_for(reader.readline(), timeout)) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            response_headers[name.strip().lower()] = value.strip()
        body = await asyncio.wait_for(reader.readexactly(int(response_headers.get("content-length", 0))),
                                      timeout)
    finally:
        writer.close()
    return int(status_line.split()[1]), body.decode("utf-8", "replace")


def pieces(data: bytes, size: int = 16 * 1024) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


async def test_a_signed_slash_command_far_bigger_than_slack_sends_is_refused_unrun(
        server: RunningServer, fake_slack: FakeSlack) -> None:
    """300 KB, chunked and correctly signed (under aiohttp's 1 MiB limit, so it used to be read, verified,
    parsed and run): now 413 once the cap is passed, and nothing reaches the bot."""
    body = slash_command("find " + "x" * 300_000, user_id="UAINE", response_url=fake_slack.response_url())
    assert len(body) > SLACK_EVENTS
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    status, answer = await raw_post(server.url + "/slack/events", headers, pieces(body.encode()))
    assert status == 413 and "Too Large" in answer
    await fake_slack.settle()
    assert fake_slack.responses == [] and fake_slack.calls == []


@pytest.mark.parametrize(("path", "limit"), [("/slack/events", SLACK_EVENTS),
                                             ("/auth/microsoft/start", PAGE_FORM),
                                             ("/auth/microsoft/callback", SIGNIN_CALLBACK),
                                             ("/mydata", PAGE_FORM)])
async def test_a_body_that_never_ends_is_answered_as_soon_as_it_passes_the_cap(
        server: RunningServer, path: str, limit: int) -> None:
    """The client sends one byte more than the cap and then nothing, keeping the connection open. A
    server reading "the whole body" would wait for ever; this one answers 413 at once."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _ = await raw_post(server.url + path, headers, pieces(b"a=" + b"x" * (limit - 1)), finish=False)
    assert status == 413


@pytest.mark.parametrize("path", ["/slack/events", "/auth/microsoft/callback", "/mydata"])
async def test_a_declared_length_over_the_cap_is_refused_before_a_byte_is_read(
        server: RunningServer, path: str) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "50000000"}
    status, _ = await raw_post(server.url + path, headers, [], finish=False)
    assert status == 413


async def test_forms_within_the_cap_still_work_and_other_encodings_are_400(server: RunningServer) -> None:
    status, page = await raw_post(server.url + "/auth/microsoft/callback",
                                  {"Content-Type": "application/x-www-form-urlencoded"},
                                  pieces(urlencode({"code": "c" * 2000, "state": "forged"}).encode(), 500))
    assert status == 400 and "state mismatch" in page  # read in pieces, parsed, refused for its content
    status, _ = await raw_post(server.url + "/mydata", {"Content-Type": "application/json"}, [b'{"token":1}'])
    assert status == 400
    status, _ = await raw_post(server.url + "/mydata", {"Content-Type": "application/x-www-form-urlencoded"},
                               [b"token=%ff%fe"])  # not UTF-8
    assert status == 400


async def test_a_signed_but_deeply_nested_body_is_400_not_500(server: RunningServer,
                                                              fake_slack: FakeSlack) -> None:
    for body, content_type in (("[" * 200_000, "application/json"),
                               ("payload=" + "%5B" * 60_000, "application/x-www-form-urlencoded")):
        headers = {"Content-Type": content_type, **sign(body)}
        status, _ = await raw_post(server.url + "/slack/events", headers, pieces(body.encode()))
        assert status == 400, content_type
    assert fake_slack.calls == []


async def test_a_message_longer_than_the_core_reads_is_refused_over_slack(
        server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slash("find " + "finance " * 1000, "UAINE", response_url=fake_slack.response_url())
    [(_, answer)] = await fake_slack.wait_for(lambda: fake_slack.responses)
    said = texts(answer["blocks"])
    assert "too long for me to read" in said and "Director of Finance" not in said


def test_the_core_refuses_long_text_before_parsing_it(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """200,000 Slack mentions (2.8 MB) used to be parsed one mention per pass: 9.5 s of one core."""
    load_sample(db)
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]

    def must_not_parse(text: str) -> Any:
        raise AssertionError(f"parsed {len(text):,} characters")

    monkeypatch.setattr(engine, "parse", must_not_parse)
    reply = bot.handle_text(SEAN, "<@U012ABCDEF> " * 200_000 + "help")
    assert "too long for me to read (2,800,004 characters; the most is 6,000)" in reply.plain()
    monkeypatch.undo()  # a message of exactly the limit is read as usual
    assert "too long" not in bot.handle_text(SEAN, "help " + "x" * (MAX_TEXT_LENGTH - 5)).plain()


def regex_calls(text: str) -> int:
    """How many regular-expression operations parsing `text` runs (C calls, counted by the profiler)."""
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "c_call" and getattr(arg, "__name__", "") in ("sub", "match", "search", "fullmatch",
                                                                     "subn", "findall", "finditer"):
            calls += 1

    sys.setprofile(count)
    try:
        parsed = parse(text)
    finally:
        sys.setprofile(None)
    assert parsed.command is REGISTRY["help"]
    return calls


def test_mentions_are_stripped_in_one_pass_however_many_there_are() -> None:
    one = regex_calls("<@U012ABCDEF> help")
    assert regex_calls("<@U012ABCDEF> <at>Leaders</at> " * 2_000 + "help") == one <= 3
