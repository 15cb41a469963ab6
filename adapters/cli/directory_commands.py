"""Directory commands for staff: import, export, search, demo-data, db."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Column, Table

from adapters.cli.main import database_or_exit, fail, settings_or_exit
from directory import audit
from directory.csv_io import parse_csv, rows_to_csv, write_csv
from directory.demo_data import DEMO, generate_rows, not_demo
from directory.models import Leader
from directory.people import PROFILE_FIELDS, LeaderInput, all_leaders, upsert_leaders
from directory.privacy import DEFAULT_VISIBILITY
from directory.search import search
from directory.search_query import QueryError
from directory.sectors import sector_label
from directory.suppression import describe, key_for, suppressed

err_console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=err_console, transient=True)


def load_rows(rows: list[LeaderInput], dry_run: bool, what: str, lines: list[int] | None = None,
              overwrite_self_edits: bool = False, verified_by: str = "staff import") -> None:
    """Upsert `rows` in one transaction with a progress bar; a dry run rolls the transaction back.

    Rows of people who were erased are skipped and listed (the suppression list); fields leaders edited
    themselves are kept unless `overwrite_self_edits`, and each such row is listed as `line N: …`.
    """
    settings = settings_or_exit()
    database = database_or_exit(settings)
    started = time.perf_counter()
    lines = lines if lines is not None else list(range(2, len(rows) + 2))
    with _progress() as progress:
        task = progress.add_task(f"{'Checking' if dry_run else 'Importing'} {what}", total=len(rows))
        with database.session(commit=not dry_run) as session:  # one transaction: all rows or none
            erased = suppressed(session, key_for(session, settings.suppression_key), (r.email for r in rows))
            skipped = [f"line {line}: {describe(erased[row.email.lower()])} — skipped"
                       for row, line in zip(rows, lines, strict=True) if row.email.lower() in erased]
            kept = [(row, line) for row, line in zip(rows, lines, strict=True)
                    if row.email.lower() not in erased]
            counts = upsert_leaders(session, [r for r, _ in kept], lines=[n for _, n in kept],
                                    progress=lambda n: progress.advance(task, n),
                                    overwrite_self_edits=overwrite_self_edits, verified_by=verified_by)
            audit.record(session, audit.cli_actor(), "directory.imported", source=what[:200],
                         created=counts.created, updated=counts.updated, unchanged=counts.unchanged,
                         skipped_erased=len(skipped), self_edits_kept=0 if overwrite_self_edits
                         else len(counts.conflicts))
            if counts.overwritten:
                audit.record(session, audit.cli_actor(), "import.self_edits_overwritten", source=what[:200],
                             leaders=counts.overwritten)
    for line in [*skipped, *counts.conflicts]:
        click.echo(line)
    verb = "Would import" if dry_run else "Imported"
    extra = f", {len(skipped)} skipped (erased)" if skipped else ""
    if counts.conflicts:
        extra += (f", {len(counts.conflicts)} with their own edits "
                  f"{'replaced' if overwrite_self_edits else 'kept'}")
    click.echo(f"{verb} {len(kept)} leaders: {counts.created} new, {counts.updated} updated, "
               f"{counts.unchanged} unchanged{extra} ({time.perf_counter() - started:.1f} s).")


@click.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
@click.option("--overwrite-self-edits", is_flag=True,
              help="Replace fields leaders edited themselves with the file's values (listed per line).")
def import_command(csv_file: Path, dry_run: bool, overwrite_self_edits: bool) -> None:
    """Import leaders from CSV_FILE (upsert by email), all or nothing.

    Columns (header row required, any order): email, full_name, role, organisation, sector; optional
    region, expertise (;-separated), bio, phone, cohort, slack_user_id, teams_user_id. If any row is
    bad, every bad row is listed as `line N: reason` and nothing is imported.

    A field a leader edited themselves (`me`) is kept as they wrote it and the row is listed; use
    --overwrite-self-edits to replace it. Rows of people erased at their request are skipped and listed
    (`leaders erase --lift EMAIL` if someone rejoins).
    """
    parsed = parse_csv(csv_file.read_bytes())
    if not parsed.ok:
        for error in parsed.errors:
            click.echo(error, err=True)
        fail(f"{csv_file.name}: {len(parsed.errors)} problem(s) found; nothing was imported")
    load_rows(parsed.rows, dry_run, csv_file.name, parsed.lines, overwrite_self_edits)


def _private(path: str, flags: int) -> int:
    """Open for `open(opener=…)` as mode 0600, also when the file exists (opening keeps an old mode)."""
    descriptor = os.open(path, flags, 0o600)
    if stat.S_ISREG(os.fstat(descriptor).st_mode):  # not /dev/stdout or a pipe
        os.fchmod(descriptor, 0o600)
    return descriptor


@click.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def export_command(output: Path | None) -> None:
    """Export the directory as CSV in the import format (round-trip safe)."""
    database = database_or_exit(settings_or_exit())
    with database.session() as session:
        if output is None:
            count = write_csv(all_leaders(session), sys.stdout)
        else:
            # Everything about everyone, contact details included: readable by its owner only (0600).
            with open(output, "w", encoding="utf-8", newline="", opener=_private) as handle:
                count = write_csv(all_leaders(session), handle)
        audit.record(session, audit.cli_actor(), "directory.exported", leaders=count,
                     to="stdout" if output is None else "file")
    if output is not None:
        click.echo(f"Exported {count} leaders to {output}.", err=True)


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON array with every field staff may see, instead of a table.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
def search_command(query: tuple[str, ...], as_json: bool, limit: int) -> None:
    """Search the directory as staff see it (every field), e.g.: leaders search dirctor of finnance

    Filters: sector: region: org: cohort: tag: (quote values with spaces: region:"north west"). The
    table shows each email whole; --json has every profile field, who may see each, and how the leader
    was verified.
    """
    database = database_or_exit(settings_or_exit())
    with database.session() as session:
        try:
            hits = search(session, " ".join(query), limit=limit)
        except QueryError as error:
            fail(str(error), 2)
        rows = [staff_view(h.leader, h.score) for h in hits]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No leaders match.")
        return
    longest = max(len(row["email"]) for row in rows)
    table = Table(*(Column(name, overflow="fold") for name in ("score", "name", "role", "organisation",
                                                                "sector", "region")),
                  Column("email", min_width=longest, no_wrap=True, overflow="fold"))  # never cut short
    for row in rows:
        table.add_row(f"{row['score']:.2f}", row["full_name"], row["role"], row["organisation"],
                      sector_label(row["sector"]), row["region"], row["email"])
    Console().print(table)


def staff_view(leader: Leader, score: float) -> dict[str, object]:
    """Everything staff may see of a leader (all of it), for `search --json`."""
    return {"id": leader.id, **{name: getattr(leader, name) or "" for name in PROFILE_FIELDS},
            "expertise": leader.expertise_list,
            "visibility": {**DEFAULT_VISIBILITY, **(leader.visibility or {})},
            "verified": leader.verified, "verified_by": leader.verified_by,
            "self_edited": list(leader.self_edited or []), "score": score}


@click.command("demo-data")
@click.option("--count", default=500, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=42, show_default=True, type=int, help="Same seed, same directory.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the CSV here ('-' for standard output) instead of loading the database.")
@click.option("--force", is_flag=True,
              help="Load even into a database that holds leaders other than demo data (their own edits "
                   "are still kept).")
def demo_data_command(count: int, seed: int, output: str | None, force: bool) -> None:
    """Make a realistic synthetic directory and load it into the database (or write it as CSV).

    Loading refuses a database holding anything but demo data (imported or signed-in leaders, or demo
    leaders who edited their own profile) unless --force.
    """
    rows = generate_rows(count, seed)
    if output:
        handle = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
        try:
            for line in rows_to_csv(rows):
                handle.write(line)
        finally:
            if handle is not sys.stdout:
                handle.close()
        if output != "-":
            click.echo(f"Wrote {count} demo leaders to {output}.", err=True)
        return
    if not force:
        database = database_or_exit(settings_or_exit())
        with database.session(commit=False) as session:
            real, edited = not_demo(session)
        database.dispose()
        if real or edited:
            why = f"{real} leaders who are not demo data" if real else \
                f"{edited} demo leaders who edited their own profile"
            fail(f"the database holds {why}; demo data is for an empty or demo-only database, so nothing "
                 "was loaded (use --force to load it anyway, or point LEADERS_DATABASE_URL elsewhere)")
    parsed = [LeaderInput(**row) for row in rows]
    load_rows(parsed, False, f"{count} demo leaders", verified_by=DEMO)


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply any pending schema migrations (safe to run repeatedly)."""
    settings = settings_or_exit()
    database = database_or_exit(settings, ensure=False)
    before = database.current_revision()
    database.upgrade()
    after = database.current_revision()
    click.echo(f"Database at revision {after}" + (" (already current)." if before == after else
                                                 f" (was {before or 'empty'})."))


@db_group.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of this version of the code."""
    database = database_or_exit(settings_or_exit(), ensure=False)
    click.echo(f"database: {database.current_revision() or 'empty'}; code: {database.head_revision()}")


COMMANDS = (import_command, export_command, search_command, demo_data_command, db_group)
