"""Staff and operators: `leaders outbox` (what waits, what failed and why, retry), `--help` on the new
commands, and `/metrics` + `/healthz` of a running `leaders serve`. Real processes; SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select, update

from directory.database import Database
from directory.outbox import FAILED, OutboxMessage
from scheduler.delivery_metrics import lane_label
from tests.delivery_helpers import make_accounts, queue
from tests.test_serve import free_port, get, stop
from tests.test_serve import serve as serve  # the fixture: `leaders serve` as a process


@pytest.fixture
def leaders(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env["LEADERS_DATABASE_URL"] = database_url

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "adapters.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
    return run


def fail_some(db: Database, how_many: int, reason: str) -> list[int]:
    with db.session() as session:
        ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(how_many)))
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
            status=FAILED, attempts=1, last_error=reason))
    return ids


def test_help_names_the_delivery_commands(leaders) -> None:  # type: ignore[no-untyped-def]
    assert all(name in leaders("--help").stdout for name in ("worker", "scheduler", "outbox"))
    assert "--retry-all-failed" in leaders("outbox", "--help").stdout
    assert "--no-workers" in leaders("serve", "--help").stdout
    assert "standby" in leaders("scheduler", "--help").stdout
    assert "lanes" in leaders("worker", "--help").stdout


def test_staff_see_what_waits_and_what_failed_and_why(leaders, db: Database) -> None:  # type: ignore[no-untyped-def]
    assert "The outbox is empty." in leaders("outbox").stdout
    queue(db, make_accounts(db, "slack", "T0001", 3))
    failed = fail_some(db, 1, "Slack refused: account_inactive")
    shown = leaders("outbox")
    assert shown.returncode == 0 and "slack:T0001" in shown.stdout
    assert "Waiting (oldest first)" in shown.stdout
    assert "U00001" in shown.stdout and "U00002" in shown.stdout
    failures = leaders("outbox", "--failed")
    assert "account_inactive" in failures.stdout and "U00000" in failures.stdout
    data = json.loads(leaders("outbox", "--failed", "--json").stdout)
    assert {(c["status"], c["messages"]) for c in data["counts"]} == {("failed", 1), ("pending", 2)}
    listed = [(m["id"], m["last_error"]) for m in data["messages"]]
    assert listed == [(failed[0], "Slack refused: account_inactive")]
    assert "poll-1" not in shown.stdout + failures.stdout  # what the message says is not shown


def test_retrying_failed_messages(leaders, db: Database) -> None:  # type: ignore[no-untyped-def]
    queue(db, make_accounts(db, "slack", "T0001", 3))
    first, second = fail_some(db, 2, "Slack server error (HTTP 500)")
    result = leaders("outbox", "--retry", str(first))
    assert (result.returncode, result.stdout.strip()) == (0, "Queued 1 failed message again.")
    again = leaders("outbox", "--retry", str(first))
    assert again.returncode == 1 and f"message {first} is pending, not failed" in again.stderr
    missing = leaders("outbox", "--retry", "999999")
    assert missing.returncode == 1 and "no outbox message with id 999999" in missing.stderr
    both = leaders("outbox", "--retry", str(second), "--retry-all-failed")
    assert both.returncode == 2 and "either --retry ID or --retry-all-failed" in both.stderr
    assert leaders("outbox", "--retry-all-failed").stdout.strip() == "Queued 1 failed message again."
    with db.session() as session:
        assert not session.scalars(select(OutboxMessage).where(OutboxMessage.status == FAILED)).all()


METRICS_TOKEN = "metrics-token-for-tests-0123456789"
LANE = lane_label("slack:T0001")  # how the lane of workspace T0001 appears outside the database


def metrics_text(base: str, token: str | None = METRICS_TOKEN) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(base + "/metrics", headers=headers),
                                timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        return response.read().decode()


def test_serve_reports_delivery_in_health_and_metrics(serve, db: Database) -> None:  # type: ignore[no-untyped-def]
    """No Slack configured on this server: the worker fails Slack messages with that reason, and says so."""
    queue(db, make_accounts(db, "slack", "T0001", 2))
    process, base = serve(LEADERS_METRICS_TOKEN=METRICS_TOKEN)
    status, health = get(base + "/healthz")
    assert status == 200 and health["delivery"]["state"] == "running"
    assert health["scheduler"]["state"] == "running"
    deadline = time.monotonic() + 30
    while f'leaders_outbox_messages{{status="failed",lane="{LANE}"}} 2' not in (text := metrics_text(base)):
        assert time.monotonic() < deadline, text
        time.sleep(0.2)
    assert 'leaders_delivery_failures_total{platform="slack",kind="permanent"} 2' in text
    assert "# TYPE leaders_delivery_send_seconds histogram" in text and "leaders_database_up 1" in text
    with db.session() as session:
        reasons = set(session.scalars(select(OutboxMessage.last_error)))
    assert reasons == {"slack is not configured on this server"}
    stop(process)


def test_a_web_only_replica_runs_neither_scheduler_nor_workers(serve) -> None:  # type: ignore[no-untyped-def]
    process, base = serve("--no-scheduler", "--no-workers", LEADERS_METRICS_TOKEN=METRICS_TOKEN)
    _, health = get(base + "/healthz")
    assert health["scheduler"] == {"state": "disabled"} and health["delivery"] == {"state": "disabled"}
    assert "leaders_outbox_messages" in metrics_text(base)
    stop(process)


def test_a_standalone_worker_serves_its_own_metrics(database_url: str, db: Database, tmp_path: Path) -> None:
    queue(db, make_accounts(db, "slack", "T0001", 2))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    env.update(LEADERS_DATABASE_URL=database_url, LEADERS_DELIVERY_POLL_SECONDS="0.1")
    command = [sys.executable, "-m", "adapters.cli", "worker", "--metrics-port", str(port)]
    worker = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        text = ""
        while 'kind="permanent"} 2' not in text:
            assert time.monotonic() < deadline and worker.poll() is None, text
            with contextlib.suppress(OSError):
                text = metrics_text(base, token=None)  # its own port, no token configured: open
            time.sleep(0.2)
        _, health = get(base + "/healthz")
        assert health["delivery"]["state"] == "running" and health["scheduler"] == {"state": "disabled"}
    finally:
        stop(worker)
