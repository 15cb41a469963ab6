"""Delivery and scheduling commands: `leaders worker`, `leaders scheduler`, `leaders outbox`."""

from __future__ import annotations

import asyncio
import json

import click
from rich.console import Console
from rich.table import Table

from adapters.bootstrap import build_services
from adapters.cli.main import database_or_exit, fail, settings_or_exit
from directory import audit
from directory.ids import MAX_ID
from directory.outbox import STATUSES, depth
from directory.outbox_views import list_messages, retry, status_of
from scheduler.delivery_metrics import lane_label


@click.command("worker")
@click.option("--metrics-port", type=click.IntRange(1, 65535), default=None,
              help="Also serve /metrics and /healthz on this port (on LEADERS_HOST; /metrics needs "
                   "LEADERS_METRICS_TOKEN as a bearer token when that is set).")
def worker_command(metrics_port: int | None) -> None:
    """Deliver outbox messages (no web server, no scheduler). Start as many as you need.

    Each worker drains whole lanes (a Slack workspace, a Teams tenant) at the platforms' limits, so
    several workers share the work without overrunning a limit. SIGTERM finishes what is in flight and
    gives the rest back for another worker.
    """
    from adapters.background import run_until_signalled

    settings = settings_or_exit()
    database_or_exit(settings).dispose()
    services = build_services(settings, with_workers=True)
    try:
        asyncio.run(run_until_signalled(services, metrics_port))
    except OSError as error:
        fail(f"cannot listen on {settings.host}:{metrics_port}: {error.strerror}")


@click.command("scheduler")
def scheduler_command() -> None:
    """Run scheduled jobs (polls, digests, …) only. A second copy waits as standby.

    On PostgreSQL a session advisory lock decides which copy runs jobs; the standby takes over within a
    few seconds of the active one stopping or dying. On SQLite a lock file beside the database does.
    """
    from adapters.background import run_until_signalled

    settings = settings_or_exit()
    database_or_exit(settings).dispose()
    services = build_services(settings, with_scheduler=True)
    asyncio.run(run_until_signalled(services))


@click.command("outbox")
@click.option("--failed", "failed_only", is_flag=True, help="List failed messages and why they failed.")
@click.option("--retry", "retry_id", type=click.IntRange(1, MAX_ID), metavar="ID",
              help="Queue failed message ID again.")
@click.option("--retry-all-failed", is_flag=True, help="Queue every failed message again.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="How many messages to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def outbox_command(failed_only: bool, retry_id: int | None, retry_all_failed: bool, limit: int,
                   as_json: bool) -> None:
    """What is waiting, what was sent and what failed (and why); retry failed messages.

    Without options: counts by status and lane, then the messages still waiting, oldest first.
    """
    if retry_id is not None and retry_all_failed:
        fail("use either --retry ID or --retry-all-failed, not both", 2)
    settings = settings_or_exit()
    database = database_or_exit(settings)
    if retry_id is not None or retry_all_failed:
        with database.session() as session:
            if retry_id is not None:
                status = status_of(session, retry_id)
                if status is None:
                    fail(f"no outbox message with id {retry_id}")
                if status != "failed":
                    fail(f"message {retry_id} is {status}, not failed; nothing to retry")
            count = retry(session, audit.cli_actor(), retry_id)
        click.echo(f"Queued {count} failed message{'s' if count != 1 else ''} again.")
        return
    with database.session() as session:
        counts = depth(session)
        messages = list_messages(session, failed_only=failed_only, limit=limit)
    if as_json:
        summary = [{"status": s, "lane": lane, "metrics_lane": lane_label(lane), "messages": n}
                   for s, lane, n in counts]
        click.echo(json.dumps({"counts": summary, "messages": [m.as_json() for m in messages]}, indent=2))
        return
    console = Console()
    summary = Table(title="Outbox by lane")
    summary.add_column("lane")
    summary.add_column("in /metrics")  # the label that stands for the lane outside the database
    for status in STATUSES:
        summary.add_column(status, justify="right")
    lanes = sorted({lane for _, lane, _ in counts})
    for lane in lanes:
        totals = (str(sum(n for s, ln, n in counts if s == status and ln == lane)) for status in STATUSES)
        summary.add_row(lane, lane_label(lane), *totals)
    console.print(summary if lanes else "The outbox is empty.")
    if not messages:
        click.echo("No failed messages." if failed_only else "Nothing is waiting.")
        return
    table = Table(title="Failed messages (newest first)" if failed_only else "Waiting (oldest first)")
    updates = any(m.updates is not None for m in messages)  # say which rows redraw a card, if any do
    for column in ("id", *(("what",) if updates else ()), "lane", "to", "tries",
                   "next try" if not failed_only else "queued", "last error"):
        table.add_column(column)
    for m in messages:
        when = m.next_attempt_at if not failed_only else m.created_at
        table.add_row(str(m.id), *((m.what,) if updates else ()), m.lane, m.user_id, str(m.attempts),
                      when.strftime("%Y-%m-%d %H:%M:%S") if when else "", m.last_error or "")
    console.print(table)


COMMANDS = (worker_command, scheduler_command, outbox_command)
