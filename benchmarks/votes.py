"""Poll voting benchmark: 1,000 linked leaders press a poll button at once through signed Slack
interactivity requests, plus 10 % double-clicks, against the real server and a bare slack-bolt app.

Run from the repository root with the project installed:

    python benchmarks/votes.py                    # SQLite file in a temp folder
    python benchmarks/votes.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

What is checked and measured:
- The directory (1,000 generated leaders, each linked to a Slack account) and an open poll with three
  options are built here first, before the servers start; the poll's 1,000 cards stay in the outbox
  (the server runs with `--no-workers --no-scheduler`: only presses are measured).
- Each leader presses one option (`block_actions`, signed, with a `response_url` on the fake Slack);
  100 of them press the same button again right after (a double-click). All 1,100 requests are in
  flight together, `--connections` at a time.
- Exactly 1,000 votes must be counted (ballots and ledger rows, then the closed poll's total); every ack
  (the HTTP response, what Slack's 3-second limit applies to) must come inside 3 s. Printed: ack p50 /
  p99 / max, the time until each voter's card came back through `response_url` (p50 / p99), and votes
  per second (1,000 over the time from the first press to the last answer).
- The bare slack-bolt app (`benchmarks/_bare_bolt_server.py`) gets the same 1,100 presses in the same
  run and only acknowledges them: the floor the platform's own library sets on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, TCPConnector

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.slash import BARE_SERVER, FORM, Server, free_port, pct, server_env
from bot.poll_lifecycle import close_poll, open_poll
from directory.database import Database
from directory.demo_data import generate_rows
from directory.models import ChatAccount, Leader
from directory.people import LeaderInput, upsert_leaders
from directory.poll_store import PollSpec, create, results
from directory.polls import Poll, PollBallot, PollParticipation
from tests.slack_fakes import FakeSlack, block_actions, post_signed

OPTIONS = ["Very confident", "Somewhat confident", "Not confident"]


def build(url: str, n: int) -> tuple[int, list[str], str]:
    from sqlalchemy import func, select

    database = Database(url)
    database.ensure_ready()
    with database.session() as session:
        if session.scalar(select(func.count()).select_from(Leader)):
            sys.exit("use an empty database")
        upsert_leaders(session, [LeaderInput(**r) for r in generate_rows(n, 7)], progress=None)
    with database.session() as session:
        ids = list(session.scalars(select(Leader.id).order_by(Leader.id)))
        users = [f"UV{i:05d}" for i in range(len(ids))]
        session.add_all(
            ChatAccount(
                platform="slack", workspace_id="T0001", user_id=user, leader_id=leader, linked_via="benchmark"
            )
            for user, leader in zip(users, ids, strict=True)
        )
    with database.session() as session:
        poll = create(
            session,
            PollSpec(question="How confident are you in delivering the winter plan?", options=OPTIONS),
            "cli:benchmark",
        )
        open_poll(session, poll, "cli:benchmark")
        poll_id = poll.id
    dialect = database.dialect
    database.dispose()
    return poll_id, users, dialect


def counted(url: str, poll_id: int) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    database = Database(url)
    with database.session() as session:
        ballots = session.scalar(
            select(func.count()).select_from(PollBallot).where(PollBallot.poll_id == poll_id)
        )
        ledger = session.scalar(
            select(func.count()).select_from(PollParticipation).where(PollParticipation.poll_id == poll_id)
        )
        poll = session.get(Poll, poll_id)
        assert poll is not None
        close_poll(session, poll, "cli:benchmark")
    with database.session() as session:
        total = sum(o["count"] for o in results(session, session.get(Poll, poll_id))["options"])
    database.dispose()
    return int(ballots or 0), int(ledger or 0), total


async def press_all(
    url: str, fake: FakeSlack, poll_id: int, users: list[str], connections: int, wait_answer: bool
) -> tuple[list[float], list[float], float]:
    rng = random.Random(13)
    presses = [(user, rng.randint(1, 3)) for user in users]
    doubles = rng.sample(range(len(presses)), len(presses) // 10)
    arrived: dict[str, float] = {}
    done = asyncio.Event()
    expected = len(presses) + len(doubles)

    def answered(key: str) -> None:
        arrived.setdefault(key, time.perf_counter())
        if len(arrived) >= expected:
            done.set()

    fake.on_response = answered
    acks: list[float] = []
    started_at: dict[str, float] = {}

    async def one(session: ClientSession, key: str, user: str, option: int) -> None:
        body = block_actions(
            f"poll.vote:{poll_id}:{option}",
            user_id=user,
            response_url=fake.response_url(key),
            channel_id="D" + user[1:],
            message_ts="1700000000.000001",
            is_ephemeral=False,
        )
        started_at[key] = time.perf_counter()
        status, _ = await post_signed(session, f"{url}/slack/events", body, content_type=FORM)
        acks.append(time.perf_counter() - started_at[key])
        assert status == 200, status

    async def leader(session: ClientSession, n: int) -> None:
        user, option = presses[n]
        first = one(session, f"p{n}", user, option)
        if n in doubles:  # the second click lands while the first is still in flight
            await asyncio.gather(first, one(session, f"p{n}-again", user, option))
        else:
            await first

    async with ClientSession(connector=TCPConnector(limit=connections + 10)) as session:
        began = time.perf_counter()
        await asyncio.gather(*(leader(session, n) for n in range(len(presses))))
        if wait_answer:
            await asyncio.wait_for(done.wait(), 120)
        elapsed = (max(arrived.values()) if wait_answer else time.perf_counter()) - began
    answers = [arrived[k] - started_at[k] for k in started_at if k in arrived] if wait_answer else acks
    return acks, answers, elapsed


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="votes-bench-"))
    url = args.database_url or f"sqlite:///{workdir}/leaders.db"
    poll_id, users, dialect = build(url, args.leaders)
    fake = await FakeSlack().start()
    fake.record = False
    env = server_env(url, fake.api_url)
    servers: list[Server] = []
    rows = []
    try:
        port = free_port()
        servers.append(
            Server(
                "Leaders Connect",
                [
                    sys.executable,
                    "-m",
                    "adapters.cli",
                    "serve",
                    "--no-scheduler",
                    "--no-workers",
                    "--port",
                    str(port),
                ],
                env,
                port,
                workdir,
            )
        )
        port = free_port()
        servers.append(
            Server("bare slack-bolt", [sys.executable, str(BARE_SERVER), str(port)], env, port, workdir)
        )
        await asyncio.gather(*(s.ready() for s in servers))
        for server, answer in zip(servers, (True, False), strict=True):
            cpu = server.cpu_seconds()
            acks, answers, elapsed = await press_all(
                server.url, fake, poll_id, users, args.connections, answer
            )
            rows.append(
                (
                    server.name,
                    len(acks),
                    pct(acks, 50),
                    pct(acks, 99),
                    max(acks) * 1000,
                    pct(answers, 50),
                    pct(answers, 99),
                    len(users) / elapsed,
                    (server.cpu_seconds() - cpu) / len(acks) * 1000,
                )
            )
    finally:
        for server in servers:
            server.stop()
        await fake.stop()
    ballots, ledger, total = counted(url, poll_id)
    print(
        f"\n{len(users):,} linked leaders + {len(users) // 10} double-clicks, {dialect}, "
        f"{args.connections} connections, each server in its own process\n"
    )
    print(
        "| app | presses | ack p50 ms | ack p99 ms | ack max ms | card back p50 ms | card back p99 ms "
        "| votes/s | server CPU ms/press |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, presses, *figures in rows:
        print(f"| {name} | {presses:,} | " + " | ".join(f"{f:.1f}" for f in figures) + " |")
    print(
        f"\nvotes counted: {ballots} ballots, {ledger} in the ledger, {total} in the closed poll's total "
        f"(expected {len(users)})"
    )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    ok = ballots == ledger == total == len(users) and all(r[4] < 3000 for r in rows)
    if not ok:
        sys.exit("FAILED: not exactly one vote per leader, or an ack took 3 s or more")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaders", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=100, help="requests in flight at once")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file in a temp folder")
    asyncio.run(main(parser.parse_args()))
