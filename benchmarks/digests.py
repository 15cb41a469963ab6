"""Digest benchmark: one digest run for N leaders on PostgreSQL (or SQLite) — the time to build and
enqueue every digest — then delivery through real `leaders worker` processes to the fan-out benchmark's
rate-limited fake Slack, as a fraction of the allowed rate, with lost and duplicated digests counted.

Run from the repository root with the project installed:

    python benchmarks/digests.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python benchmarks/digests.py --leaders 1000                     # smoke run on a SQLite file

What is measured, and why this way:
- N leaders, each with a Slack account in one workspace (tests/delivery_helpers.make_accounts), default
  preferences (weekly, Monday 08:00 London, all topics — so no preference rows exist before the run),
  a vocabulary of three topics and `--items` live items, two of them for a narrower audience
  (`sector:` filters), so the run matches every item's audience against every leader.
- The run is `scheduler.digest_jobs.run_digests(force=True)` — `leaders digest run --now`, the sweep's
  own function with every leader due now (the outbox rows must be due by the real clock the workers
  read): it picks each leader's items, writes their preference row, the `digest_sent` rows and one outbox
  row per digest message, 200 leaders per transaction. Timed end to end (wall clock).
- A second run at once is timed too: it must queue nothing (everything new was sent).
- Delivery and the fake are the fan-out benchmark's (benchmarks/fanout.py, benchmarks/_fake_slack_limited.py):
  the fake refuses anything over `--rate` per `--window` seconds for the workspace; throughput is counted
  where the platform sees it, between its first and last acceptance.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, update

from benchmarks.fanout import FAKE, ROOT, TOKENS, fresh_database, stats
from directory import content
from directory.models import Leader
from directory.outbox import OutboxMessage
from directory.settings import Settings
from scheduler.digest_jobs import run_digests
from tests.delivery_helpers import CLIENT_ID, SIGNING_SECRET, install_workspaces, make_accounts


def prepare(url: str, leaders: int, items: int) -> None:
    database = fresh_database(url)
    install_workspaces(database, TOKENS)
    make_accounts(database, "slack", "TBENCH", leaders)
    with database.session() as session:  # a realistic mix of sectors for the audience filters
        sectors = ("health", "policing", "local-government", "central-government")
        ids = list(session.scalars(select(Leader.id)))
        for n, sector in enumerate(sectors):
            session.execute(update(Leader).where(Leader.id.in_(ids[n::len(sectors)])).values(sector=sector))
    with database.session() as session:
        for name in ("cyber", "workforce", "net-zero"):
            content.add_topic(session, name, "cli:bench")
        for n in range(items):
            audience = "sector:health" if n == 0 else "sector:policing region:x" if n == 1 else ""
            item = content.add_item(session, actor="cli:a", title=f"Item {n}: what leaders need to know",
                                    url=f"https://www.gov.uk/guidance/{n}", summary="A short summary. " * 10,
                                    topics=[("cyber", "workforce", "net-zero")[n % 3]], audience=audience)
            content.approve(session, item.id, "cli:b")
    database.dispose()


def build(url: str) -> dict:
    from directory.database import Database

    database = Database(url)
    settings = Settings(_env_file=None, LEADERS_DATABASE_URL=url)  # type: ignore[call-arg]
    started = time.perf_counter()
    first = run_digests(database, settings, force=True)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = run_digests(database, settings, force=True)
    again_s = time.perf_counter() - started
    with database.session() as session:
        rows = session.scalar(select(func.count()).select_from(OutboxMessage))
    database.dispose()
    return {"due": first.due, "digests": first.sent, "messages": first.messages, "outbox_rows": rows,
            "build_enqueue_s": round(first_s, 2), "per_1000_s": round(first_s / max(first.due, 1) * 1000, 3),
            "second_run_queued": again.messages, "second_run_s": round(again_s, 2)}


def deliver(args: argparse.Namespace, url: str, expected: int, workdir: Path) -> dict:
    per_window = args.rate * args.window
    fake = subprocess.Popen([sys.executable, str(FAKE), json.dumps(TOKENS), str(int(per_window)),
                             str(args.window)], stdout=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{fake.stdout.readline().strip()}"  # type: ignore[union-attr]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=url, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_CLIENT_ID=CLIENT_ID,
               SLACK_CLIENT_SECRET="s", SLACK_API_URL=base + "/api/", PYTHONPATH=str(ROOT),
               LEADERS_SLACK_WORKSPACE_PER_MINUTE=str(int(args.rate * 60)),
               LEADERS_SLACK_WORKSPACE_WINDOW_SECONDS=str(args.window), LEADERS_DELIVERY_HEADROOM="0.95",
               LEADERS_DELIVERY_POLL_SECONDS="0.2", LEADERS_ALLOWED_SLACK_TEAMS=",".join(TOKENS.values()))
    workers = [subprocess.Popen([sys.executable, "-m", "adapters.cli", "worker"], cwd=workdir, env=env,
                                stdout=(workdir / f"worker-{n}.log").open("wb"), stderr=subprocess.STDOUT)
               for n in range(args.workers)]
    wall = time.perf_counter()
    try:
        while stats(base)["recipients"] < expected and time.perf_counter() - wall < args.timeout:
            time.sleep(0.5)
        wall = time.perf_counter() - wall
        time.sleep(1.0)
        final = stats(base)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        fake.kill()
        fake.wait()
    span = final["last"] - final["first"]
    measured = (final["delivered"] - 1) / span if span > 0 else 0.0
    conservative = final["delivered"] / (span + args.window) if span > 0 else 0.0
    return {"delivered": final["delivered"], "lost": expected - final["recipients"],
            "duplicated": final["duplicates"], "refused": final["refused"], "wall_s": round(wall, 1),
            "rate_per_s": round(measured, 2), "allowed_per_s": args.rate,
            "fraction": round(measured / args.rate, 4),
            "fraction_conservative": round(conservative / args.rate, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaders", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=6)
    parser.add_argument("--rate", type=float, default=50.0, help="allowed messages per second, workspace")
    parser.add_argument("--window", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--no-delivery", action="store_true", help="build and enqueue only")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file in a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = args.database_url or f"sqlite:///{workdir / 'digests.db'}"
        prepare(url, args.leaders, args.items)
        result = {"backend": url.split(":", 1)[0], "leaders": args.leaders, "items": args.items, **build(url)}
        print(json.dumps(result), flush=True)
        if not args.no_delivery:
            result = deliver(args, url, result["digests"], workdir)
            print(json.dumps({**result, "load": os.getloadavg()[0]}), flush=True)


if __name__ == "__main__":
    main()
