"""Real processes: `leaders worker` and `leaders scheduler` started as subprocesses against the test
database, with the fake Slack (in a thread of this process) counting every delivery.

What is proven: three workers drain 2,000 messages with each delivered exactly once; a worker killed with
SIGKILL loses nothing (duplicates only for what it had in flight, counted and printed); a job whose time
passed while nothing ran runs once after start, and not again after a restart; of two schedulers only
one ever runs jobs, and the standby takes over when the active one is killed.

The worker tests need PostgreSQL (several processes claiming rows with FOR UPDATE SKIP LOCKED) and skip on
SQLite; the scheduler tests run on both (advisory lock on PostgreSQL, a lock file on SQLite).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from directory.database import Database
from directory.outbox import SENT
from tests.conftest import POSTGRES_URL
from tests.delivery_fakes import LimitedSlack
from tests.delivery_helpers import CLIENT_ID, SIGNING_SECRET, counts, install_workspaces, make_accounts, queue
from tests.fakes_teams import ThreadedServer

ROOT = Path(__file__).resolve().parent.parent
WORKSPACES = [f"TW{n}" for n in range(8)]
TOKENS = {f"xoxb-{w.lower()}": w for w in WORKSPACES}
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="several worker processes need PostgreSQL")


@pytest.fixture
def fake_slack() -> Iterator[tuple[LimitedSlack, str]]:
    fake = LimitedSlack(tokens=dict(TOKENS))
    server = ThreadedServer(fake.app()).start()
    yield fake, server.url + "/api/"
    server.stop()


@pytest.fixture
def spawn(database_url: str, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: str, api_url: str = "", name: str = "") -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
        env.update(LEADERS_DATABASE_URL=database_url, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT),
                   SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET="s",
                   SLACK_API_URL=api_url or "http://127.0.0.1:9/api/", LEADERS_DELIVERY_POLL_SECONDS="0.1",
                   LEADERS_DELIVERY_LEASE_SECONDS="2", LEADERS_SLACK_WORKSPACE_PER_MINUTE="600000",
                   LEADERS_SLACK_CHANNEL_PER_SECOND="100", LEADERS_ALLOWED_SLACK_TEAMS=",".join(WORKSPACES))
        log = (tmp_path / f"{name or command}-{len(processes)}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "adapters.cli", command], cwd=tmp_path, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        process.log_path = log.name  # type: ignore[attr-defined]
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def terminate(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    output = Path(process.log_path).read_text()  # type: ignore[attr-defined]
    assert process.returncode == 0, output
    return output


def fill(db: Database, per_workspace: int) -> int:
    install_workspaces(db, TOKENS)
    total = 0
    for index, workspace in enumerate(WORKSPACES):
        total += queue(db, make_accounts(db, "slack", workspace, per_workspace, prefix=f"U{index}"))
    return total


@needs_postgres
def test_three_workers_deliver_2000_messages_exactly_once(db: Database, fake_slack, spawn) -> None:
    fake, url = fake_slack
    assert fill(db, 250) == 2000
    workers = [spawn("worker", url) for _ in range(3)]
    wait_until(lambda: fake.delivered_count >= 2000 and counts(db) == {SENT: 2000}, 120, "2,000 deliveries")
    per_recipient = fake.per_recipient()
    assert len(per_recipient) == 2000 and set(per_recipient.values()) == {1}
    logs = [terminate(worker) for worker in workers]
    assert sum("took lane" in log for log in logs) >= 2  # the lanes were shared out
    print(f"\nlanes taken per worker: {[log.count('took lane') for log in logs]}")


@needs_postgres
def test_a_worker_killed_mid_run_loses_nothing(db: Database, fake_slack, spawn) -> None:
    fake, url = fake_slack
    fake.latency = 0.01  # a server that takes a moment, so there is something in flight to kill
    total = fill(db, 250)
    workers = [spawn("worker", url) for _ in range(3)]
    wait_until(lambda: fake.delivered_count >= 600, 120, "a third of the deliveries")
    busy = next(w for w in workers if "took lane" in Path(w.log_path).read_text())  # type: ignore[attr-defined]
    busy.send_signal(signal.SIGKILL)
    busy.wait()
    wait_until(lambda: counts(db) == {SENT: total}, 120, "every message sent")
    per_recipient = fake.per_recipient()
    duplicates = sum(n - 1 for n in per_recipient.values())
    print(f"\nkill -9 of one of three workers: {total} messages, lost 0, duplicated {duplicates}")
    assert len(per_recipient) == total  # nobody missed out
    assert duplicates <= 8 * 16  # at most what the killed worker could hold in flight (lanes × slots)
    for worker in workers:
        if worker is not busy:
            terminate(worker)


@pytest.fixture
def job_store(db: Database, database_url: str) -> str:
    """The APScheduler job store table, empty (APScheduler creates it on first use)."""
    if "apscheduler_jobs" in inspect(db.engine).get_table_names():
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM apscheduler_jobs"))
    return database_url


def add_probe_job(url: str, out: Path, **trigger: object) -> None:
    """Store a job while no scheduler runs (a paused one writes it to the job store and stops)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=url,
                                                                             tablename="apscheduler_jobs")},
                                    timezone="UTC")
    scheduler.start(paused=True)
    scheduler.add_job("tests.scheduler_probe:record", args=[str(out)], id="probe", misfire_grace_time=3600,
                      coalesce=True, **trigger)
    scheduler.shutdown(wait=False)


def runs(out: Path) -> list[tuple[int, float]]:
    if not out.exists():
        return []
    return [(int(pid), float(at)) for pid, at in (line.split() for line in out.read_text().splitlines())]


def test_a_job_missed_while_everything_was_down_runs_once_after_restart(job_store, spawn, tmp_path) -> None:
    out = tmp_path / "runs.txt"
    add_probe_job(job_store, out, trigger="date", run_date=datetime.now(UTC) + timedelta(seconds=0.3))
    time.sleep(1.0)  # its time passes with no scheduler running
    first = spawn("scheduler")
    wait_until(lambda: len(runs(out)) == 1, 60, "the missed run")
    time.sleep(1.0)
    terminate(first)
    second = spawn("scheduler")
    # Ready means it holds the lock (and so has its signal handlers): from then on it would run anything
    # it thought was due. Waiting on the line, not a fixed time, keeps a slow start from failing the test.
    wait_until(lambda: "scheduler lock taken" in Path(second.log_path).read_text(), 60,  # type: ignore[attr-defined]
               "the second scheduler to take the lock")
    time.sleep(3.0)  # its chance to run the job a second time
    terminate(second)
    assert len(runs(out)) == 1


def test_of_two_schedulers_only_one_runs_jobs_and_the_standby_takes_over(job_store, spawn, tmp_path) -> None:
    out = tmp_path / "runs.txt"
    add_probe_job(job_store, out, trigger="interval", seconds=0.5)
    active = spawn("scheduler", name="active")
    wait_until(lambda: len(runs(out)) >= 2, 60, "the first scheduler's runs")
    standby = spawn("scheduler", name="standby")
    wait_until(lambda: "standing by" in Path(standby.log_path).read_text(), 60,  # type: ignore[attr-defined]
               "the second scheduler to stand by")
    time.sleep(4.0)  # both alive: the standby must not run anything
    assert {pid for pid, _ in runs(out)} == {active.pid}
    active.send_signal(signal.SIGKILL)
    active.wait()
    killed_at = time.time()
    wait_until(lambda: any(pid == standby.pid for pid, _ in runs(out)), 60, "the standby to take over")
    terminate(standby)
    history = runs(out)
    pids = [pid for pid, _ in history]
    switch = pids.index(standby.pid)
    assert set(pids[:switch]) == {active.pid} and set(pids[switch:]) == {standby.pid}  # never interleaved
    assert history[switch][1] >= killed_at
