"""Website page-load benchmark: the search page (`/find?q=…`) over HTTP at N profiles, signed in.

Run from the repository root with the project installed:

    python benchmarks/web_pages.py                           # 100,000 profiles, SQLite file in a temp folder
    python benchmarks/web_pages.py --count 10000 --requests 200 --browser 0
    python benchmarks/web_pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

What is measured, and why this way:
- The real server, started as in production (`python -m adapters.cli serve --no-scheduler --no-workers`)
  in its own process against the benchmark's database, so the client does not share its event loop.
- Server-side time to the full response: from sending the GET to having read the whole HTML body, for a
  signed-in leader (a web session written into the table, as a sign-in would), cycling through a fixed
  set of searches and result pages (`&page=2`). One client by default (what one leader waits for),
  `--concurrency N` for several at once. The first pass over the queries is warm-up and not timed.
- Optionally (`--browser N`, default 30) the load as a person sees it: real Chromium (/usr/bin/chromium,
  as the browser tests run it) opening the same pages, timed from navigation start to the `load` event
  (HTML, CSS and govuk-frontend's JS, cached after the first page as a browser caches them).
- The daily profile cap is raised for the run: every timed request must run a real search.
- The machine's load average and the CPU the server spent per request are printed, so a busy machine
  can be told from a slow page.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import ClientSession, TCPConnector

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.slash import Server, build_directory, free_port, pct  # noqa: E402
from directory import web_sessions  # noqa: E402
from directory.database import Database  # noqa: E402
from directory.people import by_email  # noqa: E402

SEARCHES = ("director of finance", "chief nurse", 'chief executive region:"north west"',
            "cyber security director", "tag:cyber sector:policing", "procurment", "head of digital",
            "police scotland", "chief constable", "zzyzx quorble")
COOKIE = "__Host-leaders_session"


def paths() -> list[str]:
    """Each search as typed, and its second page of results."""
    found = [f"/find?{urlencode({'q': q})}" for q in SEARCHES]
    return found + [f"/find?{urlencode({'q': q, 'page': 2})}" for q in SEARCHES[:4]]


def signed_in_cookie(url: str, email: str) -> str:
    """A web session for `email`, written as a sign-in writes one: the benchmark's browser cookie."""
    database = Database(url)
    with database.session() as session:
        leader = by_email(session, email)
        assert leader is not None
        raw_id = web_sessions.start(session, leader, "microsoft")
    database.dispose()
    return raw_id


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("SLACK_", "LEADERS_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=database_url, LEADERS_HOST="127.0.0.1",
               LEADERS_DAILY_PROFILE_CAP="100000",
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p))
    return env


async def drive(base: str, cookie: str, requests: int, concurrency: int) -> tuple[list[float], float]:
    """GET the search pages (warm-up pass first) and time each until its body is read."""
    targets = paths()
    headers = {"Cookie": f"{COOKIE}={cookie}"}
    timings: list[float] = []
    async with ClientSession(connector=TCPConnector(limit=concurrency * 2), headers=headers) as session:
        for path in targets:  # warm-up: imports, caches, the first query plans
            async with session.get(base + path, allow_redirects=False) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"{path}: HTTP {response.status} (is /find mounted, the session valid?)")
        counter = itertools.count()

        async def client() -> None:
            while (n := next(counter)) < requests:
                started = time.perf_counter()
                async with session.get(base + targets[n % len(targets)], allow_redirects=False) as response:
                    await response.read()
                    if response.status != 200:
                        raise SystemExit(f"{targets[n % len(targets)]}: HTTP {response.status}")
                timings.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return timings, elapsed


def browser_loads(base: str, database_url: str, email: str, loads: int) -> list[float]:
    """Real Chromium, signed in through the bot's one-time link: navigation start to the load event."""
    from playwright.sync_api import sync_playwright

    from directory.settings import Settings
    from tests.real_browser import CHROMIUM, FLAGS
    from tests.real_browser_fixtures import sign_in_from_chat

    class Site:  # what sign_in_from_chat needs of a site
        url = base
        db = Database(database_url)
        services = type("Services", (), {"settings": Settings(database_url=database_url, public_url=base,
                                                              _env_file=None)})()

    targets = paths()
    timings: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(FLAGS))
        page = browser.new_context().new_page()
        sign_in_from_chat(Site, page, email)  # type: ignore[arg-type]
        page.goto(base + targets[0])  # warm-up: fills the browser's cache with the CSS and JS
        for n in range(loads):
            page.goto(base + targets[n % len(targets)], wait_until="load")
            timings.append(page.evaluate(
                "() => performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
        browser.close()
    Site.db.dispose()
    return timings


def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="web-bench-"))
    url = args.database_url or f"sqlite:///{workdir}/leaders.db"
    emails, dialect = build_directory(url, args.count, args.seed)
    cookie = signed_in_cookie(url, emails[0])
    port = free_port()
    server = Server("Leaders Connect", [sys.executable, "-m", "adapters.cli", "serve", "--no-scheduler",
                                        "--no-workers", "--port", str(port)], server_env(url), port, workdir)
    try:
        asyncio.run(server.ready())
        cpu_before = server.cpu_seconds()
        load_before = os.getloadavg()
        timings, elapsed = asyncio.run(drive(server.url, cookie, args.requests, args.concurrency))
        cpu = (server.cpu_seconds() - cpu_before) / len(timings)
        load_after = os.getloadavg()
        loads = browser_loads(server.url, url, emails[1], args.browser) if args.browser else []
    finally:
        server.stop()
    print(f"\n## /find at {args.count:,} profiles ({dialect}), {args.concurrency} client(s)\n")
    print("| measure | requests | p50 ms | p99 ms | max ms | req/s | server CPU ms/req |")
    print("|---|---|---|---|---|---|---|")
    print(f"| HTTP, full response | {len(timings)} | {pct(timings, 50):.1f} | {pct(timings, 99):.1f} | "
          f"{max(timings) * 1000:.1f} | {len(timings) / elapsed:.0f} | {cpu * 1000:.1f} |")
    if loads:
        print(f"| Chromium, navigation to load event | {len(loads)} | {pct(loads, 50):.1f} | "
              f"{pct(loads, 99):.1f} | {max(loads) * 1000:.1f} | | |")
    print(f"\nload average before {load_before[0]:.2f} / after {load_after[0]:.2f} "
          f"(1 min; {os.cpu_count()} cores)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=100_000, help="profiles in the directory")
    parser.add_argument("--requests", type=int, default=1000, help="timed HTTP requests")
    parser.add_argument("--concurrency", type=int, default=1, help="clients at once")
    parser.add_argument("--browser", type=int, default=30, help="Chromium page loads to time (0: none)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file in a temp folder)")
    main(parser.parse_args())
