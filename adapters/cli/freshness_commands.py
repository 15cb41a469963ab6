"""Staff commands that keep the directory true: `leaders leaver`, `leaders directory health`,
`leaders synonyms` (the search vocabulary of short forms)."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

import bot.usecases  # noqa: F401  (registers the features' leaver hooks: open introductions are closed)
from adapters.cli.main import database_or_exit, fail, settings_or_exit
from directory import audit, synonyms
from directory.health import COMPLETENESS_FIELDS, as_json, report
from directory.leavers import LeaverError, mark_leaver
from directory.people import by_email
from directory.sectors import sector_label
from directory.when import WhenError, parse_when


@click.command("leaver")
@click.argument("email")
@click.option("--date", "when", help="The day they left (ISO date, default today); not in the future.")
def leaver_command(email: str, when: str | None) -> None:
    """Mark the leader with EMAIL as a leaver: no longer found or shown, chat links ended, audit kept."""
    try:
        moment = parse_when(when) if when else None
    except WhenError as error:
        fail(f"{error}; nothing changed", 2)
    database = database_or_exit(settings_or_exit())
    with database.session() as session:
        leader = by_email(session, email)
        if leader is None:
            fail(f"no leader has the email {email[:320]}; nothing changed")
        try:
            ended = mark_leaver(session, leader, audit.cli_actor(), moment)
        except LeaverError as error:
            fail(f"{email[:320]}: {error}; nothing changed")
    click.echo(f"Marked {email[:320]} as a leaver: no longer found or shown; "
               f"{ended} chat link{'s' if ended != 1 else ''} ended. The audit log keeps the record.")


@click.group("directory")
def directory_group() -> None:
    """The directory's own state."""


@directory_group.command("health")
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document.")
def health_command(json_output: bool) -> None:
    """By sector: stale (12+ months unconfirmed), never confirmed, incomplete (which fields), unlinked."""
    database = database_or_exit(settings_or_exit())
    with database.session(commit=False) as session:
        entries = report(session)
    if json_output:
        click.echo(json.dumps(as_json(entries)))
        return
    table = Table("sector", "leaders", "stale", "never confirmed", "incomplete", "missing", "unlinked")
    for e in entries:
        missing = ", ".join(f"{name} {e.missing[name]}" for name in COMPLETENESS_FIELDS
                            if e.missing.get(name))
        table.add_row("Total" if e.sector == "total" else sector_label(e.sector), str(e.leaders),
                      str(e.stale), str(e.never_confirmed), str(e.incomplete), missing or "—",
                      str(e.unlinked))
    Console().print(table)


@click.group("synonyms")
def synonyms_group() -> None:
    """Search short forms: staff's additions to the built-in vocabulary (perm sec → permanent secretary)."""


@synonyms_group.command("add")
@click.argument("phrase")
@click.argument("expansion")
def synonyms_add(phrase: str, expansion: str) -> None:
    """Searching PHRASE also finds EXPANSION, e.g. `leaders synonyms add "hmpps" "prison and probation"`."""
    database = database_or_exit(settings_or_exit())
    try:
        with database.session() as session:
            p, e = synonyms.add(session, phrase, expansion)
    except ValueError as error:
        fail(f"{error}; nothing changed", 2)
    click.echo(f"Searching “{p}” now also finds “{e}”.")


@synonyms_group.command("remove")
@click.argument("phrase")
def synonyms_remove(phrase: str) -> None:
    """Remove staff's expansions of PHRASE (built-in ones stay)."""
    database = database_or_exit(settings_or_exit())
    with database.session() as session:
        removed = synonyms.remove(session, phrase)
    click.echo(f"Removed {removed} expansion{'s' if removed != 1 else ''}.")


@synonyms_group.command("list")
def synonyms_list() -> None:
    """Print the built-in short forms and staff's additions."""
    database = database_or_exit(settings_or_exit())
    with database.session(commit=False) as session:
        staff = synonyms.staff_entries(session)
    for phrase, expansions in sorted(synonyms.BUILT_IN.items()):
        click.echo(f"{phrase} → {' | '.join(expansions)}  (built in)")
    for phrase, expansion in staff:
        click.echo(f"{phrase} → {expansion}  (staff)")


COMMANDS = [leaver_command, directory_group, synonyms_group]
