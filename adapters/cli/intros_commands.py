"""Staff commands: `leaders intros [--status S] [--json]`, `leaders intros stats`, `leaders delegates …`.

The listing names who asked whom and the state; the reasons leaders wrote and each one's "did you meet?"
answer are theirs, so staff see only totals of those (directory/intro_reports.py).
"""

from __future__ import annotations

import json

import click

from adapters.cli.main import database_or_exit, fail, settings_or_exit
from bot.introductions import deliver_open
from directory import audit
from directory.intro_reports import FILTERS, add_delegate, listing, remove_delegate, stats
from directory.introductions import IntroError, all_delegations


@click.group("intros", invoke_without_command=True)
@click.option("--status", type=click.Choice(FILTERS), default=None,
              help="Only requests in this state (open: requested or snoozed; waiting: the recipient is not "
                   "in chat yet).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
@click.pass_context
def intros_group(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """List introduction requests: who asked whom, and where each stands."""
    if ctx.invoked_subcommand is not None:
        return
    database = database_or_exit(settings_or_exit())
    with database.session(commit=False) as session:
        lines = listing(session, status)
    if as_json:
        for line in lines:
            click.echo(json.dumps(line.as_json(), ensure_ascii=False))
        return
    if not lines:
        click.echo("No introduction requests" + (f" with status {status}." if status else "."))
        return
    for line in lines:
        waiting = " (waiting: recipient not in chat yet)" if line.waiting else ""
        by = f" answered by {line.answered_by}" \
            if line.answered_by and line.answered_by != line.recipient else ""
        decided = f"  decided {line.decided_at[:10]}" if line.decided_at else ""
        click.echo(f"#{line.id} {line.status:<9} {line.requester} -> {line.recipient}  "
                   f"asked {line.created_at[:10]}{decided}{by}{waiting}")


@intros_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats_command(as_json: bool) -> None:
    """Totals: requested, accepted, declined, expired, met; median time to answer."""
    database = database_or_exit(settings_or_exit())
    with database.session(commit=False) as session:
        totals = stats(session)
    if as_json:
        click.echo(json.dumps(totals))
        return
    median = totals["median_hours_to_answer"]
    for name in ("requested", "accepted", "declined", "expired", "withdrawn", "open", "waiting", "met",
                 "not_yet_met", "did_not_meet"):
        click.echo(f"{name.replace('_', ' '):<24}{totals[name]}")
    click.echo(f"{'median time to answer':<24}{'—' if median is None else f'{median:g} hours'}")


@click.group("delegates")
def delegates_group() -> None:
    """Private-office delegates who receive and answer introduction requests for a leader."""


@delegates_group.command("add")
@click.argument("leader")
@click.argument("delegate")
def delegates_add(leader: str, delegate: str) -> None:
    """Approve DELEGATE (an email) to answer introduction requests on LEADER's behalf."""
    database = database_or_exit(settings_or_exit())
    try:
        with database.session() as session:
            principal, office = add_delegate(session, leader, delegate, audit.cli_actor())
            deliver_open(session, principal.id)  # the office gets the requests already waiting too
            click.echo(f"{office.full_name} now receives and answers introduction requests for "
                       f"{principal.full_name}.")
    except IntroError as error:
        fail(str(error))


@delegates_group.command("remove")
@click.argument("leader")
@click.argument("delegate")
def delegates_remove(leader: str, delegate: str) -> None:
    """Stop DELEGATE answering for LEADER."""
    database = database_or_exit(settings_or_exit())
    try:
        with database.session() as session:
            remove_delegate(session, leader, delegate, audit.cli_actor())
    except IntroError as error:
        fail(str(error))
    click.echo("Removed.")


@delegates_group.command("list")
def delegates_list() -> None:
    """Every approved delegate, by leader."""
    database = database_or_exit(settings_or_exit())
    with database.session(commit=False) as session:
        rows = all_delegations(session)
        lines = [f"{d.leader.email} <- {d.delegate.email} (approved by {d.approved_by})" for d in rows]
    click.echo("\n".join(lines) if lines else "No delegates.")


COMMANDS = [intros_group, delegates_group]
