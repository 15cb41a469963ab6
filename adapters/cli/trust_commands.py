"""Trust commands for staff: the staff role, the audit log, and erasure (`leaders erase`)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import click
from rich.console import Console
from rich.table import Table

from adapters.cli.main import database_or_exit, fail, settings_or_exit
from bot.reply_codec import reply_to_json
from bot.usecases.data_rights import erasure_done_notice
from directory import audit, clock
from directory.data_rights import ErasureError, erase, pending
from directory.staff import AlreadyStaff, StaffError, grant, members, revoke
from directory.suppression import describe, key_for, lift


@click.group("staff")
def staff_group() -> None:
    """Grant, revoke and list the staff role (LEADERS_STAFF_EMAILS grants it too)."""


@staff_group.command("list")
def staff_list() -> None:
    """List everyone with the staff role and where it comes from."""
    settings = settings_or_exit()
    with database_or_exit(settings).session(commit=False) as session:
        entries = members(session, settings.staff_email_set)
    if not entries:
        click.echo("Nobody has the staff role. Grant it with `leaders staff add EMAIL`.")
        return
    for entry in entries:
        click.echo(f"{entry.email}\t{entry.full_name}\t{entry.source}")


def _change(email: str, verb: str) -> None:
    settings = settings_or_exit()
    with database_or_exit(settings).session() as session:
        try:
            leader = (grant if verb == "add" else revoke)(session, email, audit.cli_actor(),
                                                          settings.staff_email_set)
        except AlreadyStaff as already:
            click.echo(f"{already.leader.email} already has the staff role; nothing changed.")
            return
        except StaffError as error:
            fail(f"{error}; nothing changed")
    click.echo(f"{leader.email} {'now has' if verb == 'add' else 'no longer has'} the staff role.")


@staff_group.command("add")
@click.argument("email")
def staff_add(email: str) -> None:
    """Give the leader with EMAIL the staff role (they must be in the directory)."""
    _change(email, "add")


@staff_group.command("remove")
@click.argument("email")
def staff_remove(email: str) -> None:
    """Take the staff role from the leader with EMAIL."""
    _change(email, "remove")


def _since(value: str | None) -> datetime | None:
    """`--since` takes an ISO date/time (UTC if no zone) or a span back from now such as 24h or 7d."""
    if not value:
        return None
    value = value.strip()
    spans = {"m": "minutes", "h": "hours", "d": "days"}
    span = re.fullmatch(r"([0-9]{1,9})([mhd])", value)
    if span:
        try:
            return clock.now() - timedelta(**{spans[span.group(2)]: int(span.group(1))})
        except OverflowError:  # further back than datetime reaches: everything is "since" then
            return datetime.min.replace(tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO date such as 2026-11-01 or a span such as 24h or 7d") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command("audit")
@click.option("--since", help="Only entries from this moment: an ISO date/time, or a span back such as 7d.")
@click.option("--actor", help="Only entries by this actor: an email, leader:N or cli:NAME.")
@click.option("--action", help="Only actions starting with this, e.g. staff. or contact.disclosed.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
def audit_command(since: str | None, actor: str | None, action: str | None, as_json: bool) -> None:
    """Show the audit log, oldest first: staff actions, disclosures, exports, sign-ins, links, data rights."""
    moment = _since(since)
    with database_or_exit(settings_or_exit()).session(commit=False) as session:
        entries = audit.lines(session, moment, actor, action)
        if as_json:
            for line in entries:
                click.echo(json.dumps(line.as_json(), ensure_ascii=False))
            return
        table = Table("When (UTC)", "Actor", "Action", "Subject", "Details", box=None)
        for line in entries:
            details = ", ".join(f"{k}={v}" for k, v in line.details.items())
            table.add_row(f"{line.at:%Y-%m-%d %H:%M:%S}", line.actor, line.action, line.subject, details)
    if table.row_count == 0:
        click.echo("No audit entries match.")
    else:
        Console(width=160).print(table)


@click.command("erase")
@click.argument("email", required=False)
@click.option("--pending", "show_pending", is_flag=True, help="List open `forget me` requests instead.")
@click.option("--lift", "lift_email", metavar="EMAIL",
              help="Take EMAIL off the erasure suppression list, so a leader who rejoins can be imported "
                   "again (audited).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(email: str | None, show_pending: bool, lift_email: str | None, yes: bool) -> None:
    """Erase the leader with EMAIL: profile, chat links, conversation references, staff role, links.

    Anonymous aggregates are kept, and the audit log keeps a line that an erasure happened (by whom, and
    the leader's number — never their name or email). The email goes on a suppression list (a keyed hash,
    nothing else) so a later import skips it; --lift EMAIL takes it off for someone who rejoins. Each of
    their chat accounts is told the erasure is done. Use --pending to see who asked with `forget me`.
    """
    settings = settings_or_exit()
    database = database_or_exit(settings)
    if lift_email:
        with database.session() as session:
            entry = lift(session, key_for(session, settings.suppression_key), lift_email, audit.cli_actor())
        if entry is None:
            fail(f"{lift_email[:320]} is not on the erasure suppression list; nothing changed")
        click.echo(f"{lift_email} is off the suppression list ({describe(entry)}); the next import may "
                   "add them again.")
        return
    if show_pending:
        with database.session(commit=False) as session:
            rows = pending(session)
            for request, leader in rows:
                click.echo(f"{leader.email}\trequested {request.requested_at:%Y-%m-%d %H:%M}")
        if not rows:
            click.echo("No open erasure requests.")
        return
    if not email:
        fail("give the EMAIL of the leader to erase, or --pending to list requests", 2)
    if not yes and not click.confirm(f"Erase {email} and everything held about them? This cannot be undone"):
        fail("cancelled; nothing erased")
    with database.session() as session:
        try:
            leader_id = erase(session, email, audit.cli_actor(), key_for(session, settings.suppression_key),
                              reply_to_json(erasure_done_notice()))
        except ErasureError as error:
            fail(f"{error}; nothing erased")
    click.echo(f"Erased {email} (was leader:{leader_id}); their chat accounts are told, and a later import "
               "skips them (`leaders erase --lift EMAIL` if they rejoin).")


COMMANDS = [staff_group, audit_command, erase_command]
