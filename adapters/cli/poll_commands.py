"""`leaders poll …`: staff create, schedule, run and read polls from the terminal.

The names and the `results --json` shape are fixed (operators and checks rely on them). Every change
is one transaction with its audit entry and, when a poll opens or closes, the messages it sends.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from adapters.cli.main import database_or_exit, fail, settings_or_exit
from adapters.cli.poll_reports import (
    chart_png,
    poll_json,
    report_html,
    results_csv,
    results_data,
    write_private,
)
from bot.poll_lifecycle import cancel_poll, close_poll, open_poll
from directory import audit
from directory.audience import parse_audience, resolve
from directory.poll_store import PollError, PollSpec, create, edit, get, redact, spec_of
from directory.polls import KINDS, RESULTS_FOR, Poll
from directory.when import WhenError, format_moment, parse_when


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_when(value)
    except WhenError as error:
        fail(f"{name}: {error}; nothing changed", 2)


def _describe(data: dict[str, Any]) -> str:
    def when(value: str | None, empty: str) -> str:
        return format_moment(datetime.fromisoformat(value)) if value else empty

    lines = [
        f"Poll {data['id']} ({data['status']}): {data['question']}",
        f"  kind: {data['kind']}" + (f"; options: {' | '.join(data['options'])}" if data["options"] else ""),
        f"  audience: {data['audience']}" + (f" ({data['asked']} asked)" if data["asked"] else ""),
        f"  opens: {when(data['opens_at'], 'when opened with `leaders poll open`')}; "
        f"closes: {when(data['closes_at'], 'when closed with `leaders poll close`')}",
        f"  {'attributed' if data['attributed'] else 'anonymous'}; results for {data['results_for']}; "
        f"groups under {data['min_group']} hidden",
    ]
    if data["reminders"]:
        lines.append("  reminders: " + ", ".join(when(r, "") for r in data["reminders"]))
    return "\n".join(lines)


def _run(poll_id: int, change: Any, done: str) -> None:
    settings = settings_or_exit()
    with database_or_exit(settings).session() as session:
        try:
            poll = get(session, poll_id)
            outcome = change(session, poll)
        except PollError as error:
            fail(f"{error}; nothing changed")
    click.echo(done.format(id=poll_id, outcome=outcome))


@click.group("poll")
def poll_group() -> None:
    """Polls of leaders for the head of government: create, schedule, open, close, results."""


def _spec_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--question", help="The question (up to 500 characters)."),
            click.option("--option", "options_", multiple=True, help="An answer to choose (2–10; repeat)."),
            click.option(
                "--kind", type=click.Choice(KINDS), help="single (default), multi, scale (1–5) or text."
            ),
            click.option(
                "--audience",
                help="Who is asked: a search such as 'sector:health region:wales' (default everyone).",
            ),
            click.option(
                "--opens", help="WHEN it opens: ISO 8601, 'now', +90m, +2h, +3d (default: by `poll open`)."
            ),
            click.option("--closes", help="WHEN it closes (default: by `poll close`)."),
            click.option(
                "--remind", multiple=True, help="WHEN to remind those who have not answered (repeat)."
            ),
            click.option(
                "--attributed/--anonymous", default=None, help="Names go with answers (default anonymous)."
            ),
            click.option(
                "--comment/--no-comment", "comment", default=None, help="Offer an optional comment."
            ),
            click.option("--min-group", type=int, help="Smallest group shown in breakdowns (default 5)."),
            click.option(
                "--results",
                "results_for",
                type=click.Choice(RESULTS_FOR),
                help="Who sees results after close: staff (default) or participants too.",
            ),
        ]
    ):
        func = option(func)
    return func


def _merged(spec: PollSpec, values: dict[str, Any]) -> PollSpec:
    if values["question"] is not None:
        spec.question = values["question"]
    if values["options_"]:
        spec.options = list(values["options_"])
    if values["kind"] is not None:
        spec.kind = values["kind"]
        if spec.kind in ("scale", "text") and not values["options_"]:
            spec.options = []
    if values["audience"] is not None:
        spec.audience = values["audience"]
    if values["opens"] is not None:
        spec.opens_at = _when(values["opens"], "--opens")
    if values["closes"] is not None:
        spec.closes_at = _when(values["closes"], "--closes")
    if values["remind"]:
        spec.reminders = [w for w in (_when(r, "--remind") for r in values["remind"]) if w is not None]
    if values["attributed"] is not None:
        spec.attributed = values["attributed"]
    if values["comment"] is not None:
        spec.allow_comment = values["comment"]
    if values["min_group"] is not None:
        spec.min_group = values["min_group"]
    if values["results_for"] is not None:
        spec.results_for = values["results_for"]
    return spec


@poll_group.command("create")
@_spec_options
@click.option("--json", "as_json", is_flag=True, help="Print the poll as JSON (with its id).")
def create_command(as_json: bool, **values: Any) -> None:
    """Create a poll (it opens at --opens, or when you run `leaders poll open ID`)."""
    if not values["question"]:
        fail("--question is required; nothing changed", 2)
    spec = _merged(PollSpec(question=""), values)
    settings = settings_or_exit()
    with database_or_exit(settings).session() as session:
        try:
            poll = create(session, spec, audit.cli_actor())
        except PollError as error:
            fail(f"{error}; nothing changed")
        audit.record(session, audit.cli_actor(), "poll.created", f"poll:{poll.id}")
        data = poll_json(session, poll)
    click.echo(
        json.dumps(data, ensure_ascii=False) if as_json else f"Created poll {poll.id}.\n" + _describe(data)
    )


@poll_group.command("edit")
@click.argument("poll_id", type=int)
@_spec_options
def edit_command(poll_id: int, **values: Any) -> None:
    """Change a poll that has not opened yet (only what you give changes)."""
    settings = settings_or_exit()
    with database_or_exit(settings).session() as session:
        try:
            poll = get(session, poll_id)
            edit(session, poll, _merged(spec_of(session, poll), values))
        except PollError as error:
            fail(f"{error}; nothing changed")
        audit.record(session, audit.cli_actor(), "poll.edited", f"poll:{poll.id}")
        data = poll_json(session, poll)
    click.echo(f"Changed poll {poll_id}.\n" + _describe(data))


@poll_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """Every poll, newest first."""
    from sqlalchemy import select

    settings = settings_or_exit()
    with database_or_exit(settings).session(commit=False) as session:
        found = [poll_json(session, p) for p in session.scalars(select(Poll).order_by(Poll.id.desc()))]
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    if not found:
        click.echo("No polls yet. Create one with `leaders poll create --question … --option … --option …`.")
    for data in found:
        click.echo(f"{data['id']}\t{data['status']}\t{data['asked']} asked\t{data['question']}")


@poll_group.command("show")
@click.argument("poll_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def show_command(poll_id: int, as_json: bool) -> None:
    """One poll's settings and state."""
    settings = settings_or_exit()
    with database_or_exit(settings).session(commit=False) as session:
        try:
            data = poll_json(session, get(session, poll_id))
        except PollError as error:
            fail(str(error))
    click.echo(json.dumps(data, ensure_ascii=False) if as_json else _describe(data))


@poll_group.command("open")
@click.argument("poll_id", type=int)
def open_command(poll_id: int) -> None:
    """Open a scheduled poll now: its audience get the card."""

    def change(session: Any, poll: Poll) -> str:
        sent = open_poll(session, poll, audit.cli_actor())
        missing = len(resolve(session, parse_audience(poll.audience))) - sent
        return f"sent to {sent} leaders" + (
            f"; {missing} in the audience are not in chat yet" if missing else ""
        )

    _run(poll_id, change, "Opened poll {id}: {outcome}.")


@poll_group.command("close")
@click.argument("poll_id", type=int)
def close_command(poll_id: int) -> None:
    """Close an open poll now: results are published and the cards say closed."""

    def change(session: Any, poll: Poll) -> str:
        if not close_poll(session, poll, audit.cli_actor()):
            raise PollError(f"poll {poll.id} is {poll.status} already")
        return str(poll.responded)

    _run(poll_id, change, "Closed poll {id}: {outcome} answered. See `leaders poll results {id}`.")


@poll_group.command("cancel")
@click.argument("poll_id", type=int)
def cancel_command(poll_id: int) -> None:
    """Cancel a poll that has not closed (answers given so far are deleted)."""
    _run(poll_id, lambda s, p: cancel_poll(s, p, audit.cli_actor()), "Cancelled poll {id}.")


@poll_group.command("redact")
@click.argument("poll_id", type=int)
@click.argument("comment_id", type=int)
def redact_command(poll_id: int, comment_id: int) -> None:
    """Hide one comment of a closed poll from its results and report (the text is deleted)."""

    def change(session: Any, poll: Poll) -> None:
        redact(session, poll, comment_id)
        audit.record(
            session, audit.cli_actor(), "poll.comment_redacted", f"poll:{poll.id}", comment=comment_id
        )

    _run(poll_id, change, f"Redacted comment {comment_id} of poll {{id}}.")


@poll_group.command("results")
@click.argument("poll_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The results as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="The results as CSV (spreadsheet-safe).")
@click.option(
    "--png", "png", type=click.Path(dir_okay=False, path_type=Path), help="Write the chart to FILE."
)
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the printable report for the head of government to FILE.html.",
)
def results_command(poll_id: int, as_json: bool, as_csv: bool, png: Path | None, report: Path | None) -> None:
    """Counts, response rate and breakdowns by sector and region (small groups hidden)."""
    settings = settings_or_exit()
    with database_or_exit(settings).session(commit=False) as session:
        try:
            poll = get(session, poll_id)
        except PollError as error:
            fail(str(error))
        data = results_data(session, poll)
    if (as_csv or png or report) and not data["final"]:
        fail(f"poll {poll_id} is {data['status']}: files are made from the results of a closed poll")
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    elif as_csv:
        click.echo(results_csv(data), nl=False)
    if png:
        write_private(png, chart_png(data))
        click.echo(f"Wrote the chart to {png}.", err=as_json or as_csv)
    if report:
        write_private(report, report_html(data).encode("utf-8"))
        click.echo(f"Wrote the report to {report}.", err=as_json or as_csv)
    if not (as_json or as_csv or png or report):
        click.echo(text_results(data))


def text_results(data: dict[str, Any]) -> str:
    lines = [
        f"Poll {data['id']} ({data['status']}): {data['question']}",
        f"{data['responded']} of {data['audience']} answered ({round(100 * data['response_rate'])}%)",
    ]
    for option in data["options"]:
        lines.append(f"  {option['label']}: {option['count']}")
    for dimension, groups in data["breakdowns"].items():
        lines.append(f"By {dimension}:")
        for group in groups:
            if group.get("suppressed"):
                lines.append(
                    f"  {group['group']}: (fewer than {data['min_group']} or could be worked out: hidden)"
                )
            else:
                counts = ", ".join(f"{o['label']} {o['count']}" for o in group["options"])
                lines.append(
                    f"  {group['group']}: {group['responded']} answered" + (f" — {counts}" if counts else "")
                )
    if data["comments"]:
        lines.append("Comments:")
        lines.extend(f"  [{c.get('id', '-')}] {c['text']}" for c in data["comments"])
    elif not data["comments_shown"]:
        lines.append(f"Comments are shown once at least {data['min_group']} have answered.")
    return "\n".join(lines)


COMMANDS = (poll_group,)
