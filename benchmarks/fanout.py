"""Fan-out benchmark: N recipients in one Slack workspace through the outbox, against a fake Slack that
enforces a workspace rate limit, with and without `kill -9` of a worker mid-run.

Run from the repository root with the project installed:

    python benchmarks/fanout.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python benchmarks/fanout.py --recipients 2000 --workers 1        # smoke run on a SQLite file

What is measured, and why this way:
- The fake Slack (tests/delivery_fakes.py) runs in its own process and refuses (429, Retry-After: 1)
  anything over `--rate` messages per `--window` seconds for the workspace, and over 1 per second per
  channel — as Slack would. Slack's real budget is "several hundred per minute"; the default here is the
  same shape scaled up (50 per second, counted over 1-second windows) so 10,000 recipients take minutes.
- The workers are real `leaders worker` processes (`--workers`, default 3) on the benchmark database,
  configured with the same limit (LEADERS_SLACK_WORKSPACE_PER_MINUTE = rate × 60, window `--window`).
  One workspace is one lane, drained by one worker at a time; the others stand by for it.
- Throughput is measured where the platform sees it: deliveries accepted by the fake per second between
  its first and last acceptance, as a fraction of the allowed rate (bar: ≥ 90 %). Lost = recipients the
  fake never received; duplicated = deliveries beyond one per recipient.
- The kill run SIGKILLs the worker holding the lane once a third of the messages are delivered; another
  worker takes the lane when its lease (`--lease`, 5 s here; 30 s by default in production) runs out.
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
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from directory.database import Database
from tests.delivery_helpers import CLIENT_ID, SIGNING_SECRET, install_workspaces, make_accounts, queue

ROOT = Path(__file__).resolve().parents[1]
FAKE = Path(__file__).resolve().parent / "_fake_slack_limited.py"
TOKENS = {"xoxb-bench": "TBENCH"}


def fresh_database(url: str) -> Database:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    database = Database(url)
    database.ensure_ready()
    return database


def stats(base: str) -> dict:
    with urllib.request.urlopen(base + "/stats", timeout=10) as response:
        return json.loads(response.read())


def run(args: argparse.Namespace, url: str, kill: bool, workdir: Path) -> dict:
    database = fresh_database(url)
    install_workspaces(database, TOKENS)
    accounts = make_accounts(database, "slack", "TBENCH", args.recipients)
    started = time.perf_counter()
    queued = queue(database, accounts, tag="poll")
    enqueue_seconds = time.perf_counter() - started
    database.dispose()

    per_window = args.rate * args.window
    fake = subprocess.Popen([sys.executable, str(FAKE), json.dumps(TOKENS), str(int(per_window)),
                             str(args.window)], stdout=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{fake.stdout.readline().strip()}"  # type: ignore[union-attr]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=url, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_CLIENT_ID=CLIENT_ID,
               SLACK_CLIENT_SECRET="s", SLACK_API_URL=base + "/api/", PYTHONPATH=str(ROOT),
               LEADERS_SLACK_WORKSPACE_PER_MINUTE=str(int(args.rate * 60)),
               LEADERS_SLACK_WORKSPACE_WINDOW_SECONDS=str(args.window),
               LEADERS_DELIVERY_HEADROOM=str(args.headroom), LEADERS_DELIVERY_LEASE_SECONDS=str(args.lease),
               LEADERS_DELIVERY_POLL_SECONDS="0.2", LEADERS_ALLOWED_SLACK_TEAMS=",".join(TOKENS.values()))
    logs = [workdir / f"worker-{'kill' if kill else 'plain'}-{n}.log" for n in range(args.workers)]
    workers = [subprocess.Popen([sys.executable, "-m", "adapters.cli", "worker"], cwd=workdir, env=env,
                                stdout=log.open("wb"), stderr=subprocess.STDOUT) for log in logs]
    killed = ""
    wall = time.perf_counter()
    try:
        while True:
            now = stats(base)
            if kill and not killed and now["delivered"] >= args.recipients // 3:
                holder = next((w for w, log in zip(workers, logs, strict=True)
                               if "took lane" in log.read_text()), workers[0])
                holder.send_signal(signal.SIGKILL)
                holder.wait()
                killed = f"pid {holder.pid} at {now['delivered']} delivered"
            if now["recipients"] >= args.recipients:
                break
            if time.perf_counter() - wall > args.timeout:
                print("timed out", file=sys.stderr)
                break
            time.sleep(0.5)
        wall = time.perf_counter() - wall
        time.sleep(1.0)  # anything still in flight
        final = stats(base)
    finally:
        for worker in workers:
            if worker.poll() is None:
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
    # The pacer sends in bursts of up to a window's budget, so first-to-last leaves out the rest of the
    # last window and can overstate a short run; counting one more window understates it instead.
    conservative = final["delivered"] / (span + args.window) if span > 0 else 0.0
    return {"kill": killed or "no", "queued": queued, "enqueue_s": round(enqueue_seconds, 2),
            "delivered": final["delivered"], "lost": args.recipients - final["recipients"],
            "duplicated": final["duplicates"], "refused": final["refused"], "wall_s": round(wall, 1),
            "rate_per_s": round(measured, 2), "allowed_per_s": args.rate,
            "fraction": round(measured / args.rate, 4),
            "fraction_conservative": round(conservative / args.rate, 4), "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="allowed messages per second, workspace")
    parser.add_argument("--window", type=float, default=1.0, help="seconds the limit is counted over")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--headroom", type=float, default=0.95)
    parser.add_argument("--lease", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--runs", default="plain,kill", help="plain, kill or both (comma-separated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        for name in args.runs.split(","):
            url = args.database_url or f"sqlite:///{workdir / f'fanout-{name}.db'}"
            result = run(args, url, name == "kill", workdir)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
