"""Slash-command benchmark: signed `/leaders find …` over HTTP, 20 concurrent clients, N profiles.

Run from the repository root with the project installed:

    python benchmarks/slash.py                      # 100,000 profiles, SQLite file in a temp folder
    python benchmarks/slash.py --count 10000 --requests 1000
    python benchmarks/slash.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python benchmarks/slash.py --compare-threads    # also the server with its turns on threads (0 processes)

What is measured, and why this way:
- The real server, started as in production (`python -m adapters.cli serve --no-scheduler`) in its own
  process against the benchmark's database, and in the same run a *bare* slack-bolt AsyncApp that
  answers a constant through the same aiohttp conversion (`benchmarks/_bare_bolt_server.py`), also in
  its own process — DESIGN.md's bar is relative to it (p99 within 3x) as well as absolute (p99 <= 150 ms).
- Separate processes because that is production's shape: Slack is another machine, so the load client
  and the fake Slack (Web API for `users.info`, and the `response_url`) must not share the server's event
  loop, CPU time or GIL. Both stay in this process; only the server under test is charged for its work.
  The directory is built here first (generate_rows + upsert_leaders), before either server starts.
- Two latencies per request: until the HTTP response (the ack: what Slack's 3-second limit applies to)
  and until the answer reaches the fake `response_url` (what the leader waits for: signature check,
  identity, search, rendering, delivery). The bare app answers in its ack, so both are the same for it.
- Each of the 20 clients is a different linked leader (the first request of each links the account
  through the fake `users.info`; that warm-up is not timed), querying a fixed mixed set in turn.
- Slack's turns run in the server's turn worker processes (`LEADERS_TURN_PROCESSES`, default 2;
  `--turn-processes N`); `--compare-threads` adds, in the same run, the same server with them on threads
  of its own process (`LEADERS_TURN_PROCESSES=0`). Every timed answer must arrive (each is awaited for up
  to 30 s), so turn work handed off is shown to be done, not deferred.
- On a small machine the client still competes with the server for cores: the CPU each side spent per
  timed request (server from /proc: the serving process, and its turn workers separately; client + fake
  Slack from this process), the load average before and after each server's run, and each server's RSS
  are printed, so a busy machine can be told from a slow server.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from directory.database import Database
from directory.demo_data import generate_rows
from directory.people import LeaderInput, count, upsert_leaders
from tests.slack_fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack, post_signed, slash_command

QUERIES = ("find director of finance", "find chief nurse", 'find chief executive region:"north west"',
           "find cyber security director", "find tag:cyber sector:policing", "find procurment",
           "find head of digital", "find police scotland", "find chief constable", "find zzyzx quorble")
FORM = "application/x-www-form-urlencoded"
ROOT = Path(__file__).resolve().parents[1]
BARE_SERVER = Path(__file__).resolve().parent / "_bare_bolt_server.py"


def build_directory(url: str, n: int, seed: int) -> tuple[list[str], str]:
    """Fill an empty database with `n` generated profiles (or reuse one that holds exactly `n`)."""
    database = Database(url)
    database.ensure_ready()
    with database.session() as session:
        have = count(session)
    if have != n:
        if have:
            sys.exit(f"the database holds {have} leaders, not {n}: use an empty database")
        started = time.perf_counter()
        rows = [LeaderInput(**r) for r in generate_rows(n, seed)]
        with database.session() as session:
            upsert_leaders(session, rows, progress=None)
        print(f"built {n:,} profiles in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    from sqlalchemy import select

    from directory.models import Leader
    with database.session() as session:
        emails = list(session.scalars(select(Leader.email).order_by(Leader.id).limit(20)))
    dialect = database.dialect
    database.dispose()
    return emails, dialect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, api_url: str, turn_processes: int | None = None,
               turn_nice: int | None = None) -> dict[str, str]:
    """This environment minus anything that could switch on other platforms, plus the benchmark's."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("SLACK_", "LEADERS_", "MICROSOFT_"))}
    # Every timed request must run a real search: the daily cap (checked before searching since issue
    # 10) would otherwise turn most of each leader's 100 requests into a one-line refusal.
    env.update(LEADERS_DATABASE_URL=database_url, LEADERS_HOST="127.0.0.1",
               LEADERS_DAILY_PROFILE_CAP="100000",
               SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=api_url,
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p))
    if turn_processes is not None:
        env["LEADERS_TURN_PROCESSES"] = str(turn_processes)
    if turn_nice is not None:
        env["LEADERS_TURN_NICE"] = str(turn_nice)
    return env


class Server:
    """One server under test in its own process; its output goes to a log file in `workdir`."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, workdir: Path) -> None:
        self.name, self.url = name, f"http://127.0.0.1:{port}"
        self.log = workdir / f"{name.replace(' ', '-')}.log"
        with self.log.open("wb") as log:  # cwd=workdir: no stray .env from the caller's folder
            self.process = subprocess.Popen(argv, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])

    async def ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        async with ClientSession(timeout=ClientTimeout(total=2)) as session:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
                try:
                    async with session.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except (TimeoutError, ClientError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} not healthy after {timeout:.0f} s:\n{self.tail()}")
                await asyncio.sleep(0.1)

    def cpu_seconds(self) -> tuple[float, float]:
        """User + system CPU time so far of the server process itself (its event loop and threads) and of
        its child processes (the turn workers), Linux only (NaN elsewhere)."""
        own = _cpu(self.process.pid)
        children = sum(_cpu(pid) for pid in _children(self.process.pid))
        return own, children

    def rss_mb(self) -> tuple[float, list[float], float]:
        """Resident memory of the server process and of each child (turn worker), in MB, and the PSS of
        them all together (Linux)."""
        pids = [self.process.pid, *_children(self.process.pid)]
        return _rss_mb(pids[0]), [_rss_mb(pid) for pid in pids[1:]], sum(pss_mb(pid) for pid in pids)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory_mb(pid: int, file: str, field: str) -> float:
    try:
        text = Path(f"/proc/{pid}/{file}").read_text()
    except OSError:
        return math.nan
    return next((int(line.split()[1]) / 1024 for line in text.splitlines() if line.startswith(field)),
                math.nan)


def _rss_mb(pid: int) -> float:
    return _memory_mb(pid, "status", "VmRSS:")


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages (the interpreter, shared libraries) divided among their users,
    so the figures of a server and its workers add up to what they really take together."""
    return _memory_mb(pid, "smaps_rollup", "Pss:")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


async def drive(url: str, fake: FakeSlack, users: list[str], requests: int, concurrency: int,
                wait_answer: bool) -> tuple[list[float], list[float], float]:
    acks: list[float] = []
    answers: list[float] = []
    arrived: dict[str, float] = {}
    waiting: dict[str, asyncio.Event] = {}
    counter = itertools.count()

    def answered(key: str) -> None:
        arrived[key] = time.perf_counter()
        if key in waiting:
            waiting[key].set()
    fake.on_response = answered

    async def client(index: int, session: ClientSession) -> None:
        while (n := next(counter)) < requests:
            key = f"r{n}"
            body = slash_command(QUERIES[n % len(QUERIES)], user_id=users[index],
                                 response_url=fake.response_url(key))
            waiting[key] = asyncio.Event()
            started = time.perf_counter()
            status, _ = await post_signed(session, f"{url}/slack/events", body, content_type=FORM)
            acks.append(time.perf_counter() - started)
            assert status == 200, status
            if wait_answer:
                await asyncio.wait_for(waiting[key].wait(), 30)
                answers.append(arrived[key] - started)

    async with ClientSession(connector=TCPConnector(limit=concurrency * 2)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(i, session) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return acks, answers or acks, elapsed


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="slash-bench-"))
    url = args.database_url or f"sqlite:///{workdir}/leaders.db"
    emails, dialect = build_directory(url, args.count, args.seed)
    users = [f"UBENCH{i:02d}" for i in range(args.concurrency)]
    fake = await FakeSlack(emails={u: emails[i % len(emails)] for i, u in enumerate(users)}).start()
    fake.record = False  # don't keep thousands of bodies
    serve = [sys.executable, "-m", "adapters.cli", "serve", "--no-scheduler", "--port"]
    nice = "" if args.turn_nice is None else f", nice {args.turn_nice}"
    plan = [(f"Leaders Connect ({args.turn_processes} turn processes{nice})", args.turn_processes, True)]
    if args.compare_threads:
        plan.append(("Leaders Connect (turns on threads)", 0, True))
    servers: list[Server] = []
    try:
        for name, processes, _ in plan:
            port = free_port()
            servers.append(Server(name, [*serve, str(port)],
                                  server_env(url, fake.api_url, processes, args.turn_nice), port, workdir))
        port = free_port()
        servers.append(Server("bare slack-bolt", [sys.executable, str(BARE_SERVER), str(port)],
                              server_env(url, fake.api_url), port, workdir))
        await asyncio.gather(*(s.ready() for s in servers))
        rows, cpu, memory = [], [], []
        for server, answer in zip(servers, [p[2] for p in plan] + [False], strict=True):
            await drive(server.url, fake, users, max(args.concurrency * 3, 60), args.concurrency,
                        answer)  # warm up, not timed
            before, client_cpu, load_before = server.cpu_seconds(), time.process_time(), load()
            acks, answers, elapsed = await drive(server.url, fake, users, args.requests, args.concurrency,
                                                 answer)
            after = server.cpu_seconds()
            memory.append((server.name, *server.rss_mb()))
            assert len(answers) == args.requests, "every answer must arrive (drive waits 30 s for each)"
            cpu.append((server.name, (after[0] - before[0]) / args.requests * 1000,
                        (after[1] - before[1]) / args.requests * 1000,
                        (time.process_time() - client_cpu) / args.requests * 1000))
            rows.append((server.name, pct(acks, 50), pct(acks, 99), pct(answers, 50), pct(answers, 99),
                         args.requests / elapsed, f"{load_before} → {load()}"))
    finally:
        for server in servers:
            server.stop()
        await fake.stop()
    print(f"\n{args.count:,} profiles, {dialect}, {args.concurrency} concurrent clients, "
          f"{args.requests} requests each, each server in its own process, one after the other\n")
    print("| app | ack p50 ms | ack p99 ms | answer p50 ms | answer p99 ms | req/s | load (1/5/15 min) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, *figures, loads in rows:
        print(f"| {name} | " + " | ".join(f"{f:.1f}" for f in figures) + f" | {loads} |")
    bare = rows[-1]
    print()
    for ours in rows[:-1]:
        print(f"{ours[0]}: ack p99 {ours[2]:.1f} ms = {ours[2] / bare[2]:.2f}x bare "
              f"(bars: p99 <= 150 ms and <= 3x bare); the answer reached response_url after "
              f"p50 {ours[3]:.1f} / p99 {ours[4]:.1f} ms")
    for name, server_ms, workers_ms, client_ms in cpu:
        print(f"{name}: server CPU {server_ms:.2f} ms/request in the serving process + {workers_ms:.2f} in "
              f"its child processes; client + fake Slack CPU {client_ms:.2f} ms/request")
    for name, own, children, pss in memory:
        print(f"{name}: RSS after the run {own:.0f} MB" + (
            f" + turn workers {' + '.join(f'{c:.0f}' for c in children)} MB = {own + sum(children):.0f} MB"
            if children else "") + f" (PSS of all: {pss:.0f} MB)")
    print(f"load average at the end: {load()} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="profiles in the directory")
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per app")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--turn-processes", type=int, default=2,
                        help="LEADERS_TURN_PROCESSES for the server under test (default 2, the default)")
    parser.add_argument("--turn-nice", type=int, default=None,
                        help="LEADERS_TURN_NICE for the server under test (default: the setting's, 0)")
    parser.add_argument("--compare-threads", action="store_true",
                        help="also run the server with LEADERS_TURN_PROCESSES=0 (turns on threads)")
    asyncio.run(main(parser.parse_args()))
