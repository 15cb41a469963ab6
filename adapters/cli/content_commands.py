"""Curated content from the command line: `leaders content …`, `leaders digest run`, `leaders announce`.

Staff are accountable as their operating-system account (`cli:<user>`, as everywhere in the audit log),
so the two-person rule on the CLI is two operators: the one who ran `content add` cannot `content
approve` it. Bad input is one line and exit status 2, with nothing changed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from adapters.cli.main import database_or_exit, fail, settings_or_exit
from directory import audit, content
from directory.announcements import Announcement, report
from directory.audience import parse_audience
from directory.content import ContentError, ContentItem
from directory.digests import reach
from directory.ids import MAX_ID
from directory.search_query import QueryError
from directory.when import WhenError, format_moment, parse_when

ID = click.IntRange(1, MAX_ID)


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_when(value)
    except WhenError as error:
        fail(f"{option}: {error}", 2)


def _audience(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_audience(value).text
    except QueryError as error:
        fail(f"--audience: {error}", 2)


def _show(item: ContentItem) -> None:
    data = item.as_json()
    for key in ("id", "title", "url", "summary", "topics", "audience", "state", "publish_at", "expires_at",
                "drafted_by", "approved_by"):
        value = data[key]
        if key in ("publish_at", "expires_at") and value:
            value = format_moment(datetime.fromisoformat(value))
        if isinstance(value, list):
            value = ", ".join(value)
        click.echo(f"{key:>11}: {value if value not in (None, '') else '—'}")


@click.group("content")
def content_group() -> None:
    """Curate items for leaders' digests and the library (two-person rule: LEADERS_CONTENT_APPROVAL)."""


@content_group.command("add")
@click.option("--title", required=True, help="The item's title (at most 200 characters).")
@click.option("--url", required=True, help="Its https link (javascript:, http:, data: … are refused).")
@click.option("--summary", required=True, help=f"A short summary (at most {content.MAX_SUMMARY} characters).")
@click.option("--topic", "topics", multiple=True, required=True,
              help="A topic from the vocabulary (repeat, or comma-separate).")
@click.option("--audience", default=None, metavar="QUERY", help="Who it is for, in the search language.")
@click.option("--publish", default=None, metavar="WHEN", help="When it may go out: ISO 8601, now, +2h.")
@click.option("--expires", default=None, metavar="WHEN", help="When it stops going out.")
@click.option("--json", "as_json", is_flag=True, help="Print the item as JSON.")
def add_command(title: str, url: str, summary: str, topics: tuple[str, ...], audience: str | None,
                publish: str | None, expires: str | None, as_json: bool) -> None:
    """Draft an item. With the two-person rule on, another staff member must `approve` it."""
    settings = settings_or_exit()
    publish_at, expires_at, audience_text = _when(publish, "--publish"), _when(expires, "--expires"), \
        _audience(audience)
    database = database_or_exit(settings)
    try:
        with database.session() as session:
            item = content.add_item(session, actor=audit.cli_actor(), title=title, url=url, summary=summary,
                                    topics=topics, audience=audience_text or "", publish_at=publish_at,
                                    expires_at=expires_at, approval=settings.content_approval)
            data = item.as_json()
    except ContentError as error:
        fail(f"nothing added: {error}", 2)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    then = "another staff member must approve it: `leaders content approve " f"{data['id']}`" \
        if data["state"] == "awaiting approval" else f"it is {data['state']}"
    click.echo(f"Added item {data['id']}: {then}.")


@content_group.command("list")
@click.option("--all", "include_retired", is_flag=True, help="Include retired items.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_command(include_retired: bool, as_json: bool) -> None:
    """Every item, newest first, with its state (awaiting approval, scheduled, published, expired)."""
    database = database_or_exit(settings_or_exit())
    with database.session() as session:
        items = [item.as_json() for item in content.list_items(session, include_retired=include_retired)]
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    if not items:
        click.echo("No content yet: `leaders content add --title … --url https://… --summary … --topic …`.")
        return
    table = Table()
    for column in ("id", "state", "title", "topics", "audience", "publish"):
        table.add_column(column)
    for item in items:
        table.add_row(str(item["id"]), item["state"], item["title"], ", ".join(item["topics"]),
                      item["audience"], format_moment(datetime.fromisoformat(item["publish_at"])))
    Console().print(table)


@content_group.command("show")
@click.argument("item_id", type=ID)
@click.option("--json", "as_json", is_flag=True)
def show_command(item_id: int, as_json: bool) -> None:
    """One item in full."""
    database = database_or_exit(settings_or_exit())
    try:
        with database.session() as session:
            item = content.get_item(session, item_id)
            data = item.as_json()
            if not as_json:
                _show(item)
    except ContentError as error:
        fail(str(error))
    if as_json:
        click.echo(json.dumps(data, indent=2))


@content_group.command("edit")
@click.argument("item_id", type=ID)
@click.option("--title", default=None)
@click.option("--url", default=None)
@click.option("--summary", default=None)
@click.option("--topic", "topics", multiple=True, help="Replace the topics (repeat).")
@click.option("--audience", default=None, metavar="QUERY")
@click.option("--publish", default=None, metavar="WHEN")
@click.option("--expires", default=None, metavar="WHEN")
def edit_command(item_id: int, title: str | None, url: str | None, summary: str | None,
                 topics: tuple[str, ...], audience: str | None, publish: str | None,
                 expires: str | None) -> None:
    """Change an item. Changing what leaders read sends an approved item back for approval."""
    settings = settings_or_exit()
    changes: dict[str, Any] = {"title": title, "url": url, "summary": summary,
                               "topics": list(topics) or None, "audience": _audience(audience),
                               "publish_at": _when(publish, "--publish"),
                               "expires_at": _when(expires, "--expires")}
    database = database_or_exit(settings)
    try:
        with database.session() as session:
            item = content.edit(session, item_id, audit.cli_actor(), approval=settings.content_approval,
                                **changes)
            state = item.state()
    except ContentError as error:
        fail(f"nothing changed: {error}", 2)
    click.echo(f"Item {item_id} is {state}.")


@content_group.command("retire")
@click.argument("item_id", type=ID)
def retire_command(item_id: int) -> None:
    """Stop an item going out (it stays in the record, with its figures)."""
    database = database_or_exit(settings_or_exit())
    try:
        with database.session() as session:
            content.retire(session, item_id, audit.cli_actor())
    except ContentError as error:
        fail(f"nothing changed: {error}", 2)
    click.echo(f"Item {item_id} is retired.")


@content_group.command("approve")
@click.argument("item_id", type=ID)
def approve_command(item_id: int) -> None:
    """Approve another staff member's draft (the two-person rule): it goes out from its publish time."""
    database = database_or_exit(settings_or_exit())
    try:
        with database.session() as session:
            item = content.approve(session, item_id, audit.cli_actor())
            state, drafter = item.state(), item.drafted_by
    except ContentError as error:
        fail(f"not approved: {error}", 2)
    click.echo(f"Approved item {item_id} (drafted by {drafter}): it is {state}.")


@content_group.group("topics")
def topics_group() -> None:
    """The topic vocabulary items and leaders' digests choose from."""


@topics_group.command("add")
@click.argument("names", nargs=-1, required=True)
def topics_add(names: tuple[str, ...]) -> None:
    """Add topics (lower-case words, digits and hyphens)."""
    database = database_or_exit(settings_or_exit())
    try:
        with database.session() as session:
            for name in content.split_topics(names):
                content.add_topic(session, name, audit.cli_actor())
    except ContentError as error:
        fail(f"nothing added: {error}", 2)
    click.echo("Added: " + ", ".join(content.split_topics(names)) + ".")


@topics_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def topics_list(as_json: bool) -> None:
    """The topics in use."""
    database = database_or_exit(settings_or_exit())
    with database.session() as session:
        names = content.live_topics(session)
    click.echo(json.dumps(names) if as_json else ("\n".join(names) or "No topics yet."))


@topics_group.command("retire")
@click.argument("name")
def topics_retire(name: str) -> None:
    """Retire a topic: no new item may use it (items that have it keep it)."""
    database = database_or_exit(settings_or_exit())
    try:
        with database.session() as session:
            content.retire_topic(session, name, audit.cli_actor())
    except ContentError as error:
        fail(f"nothing changed: {error}", 2)
    click.echo(f"Retired the topic {name.strip().lower()}.")


@content_group.command("stats")
@click.option("--json", "as_json", is_flag=True)
def stats_command(as_json: bool) -> None:
    """Reach (queued, delivered), link opens and feedback per item and per topic — never per person."""
    database = database_or_exit(settings_or_exit())
    with database.session() as session:
        items = content.list_items(session, include_retired=True)
        reached = reach(session)
        rows = []
        for item in items:
            queued, delivered = reached.get(item.id, (0, 0))
            rows.append({"id": item.id, "title": item.title, "topics": list(item.topics),
                         "state": item.state(), "queued": queued, "delivered": delivered,
                         "opens": item.opens, "useful": item.useful, "not_for_me": item.not_for_me})
        topics = content.topic_stats(items)
        for topic in topics:
            members = [r for r in rows if topic["topic"] in r["topics"]]
            topic["queued"] = sum(r["queued"] for r in members)
            topic["delivered"] = sum(r["delivered"] for r in members)
    if as_json:
        click.echo(json.dumps({"items": rows, "topics": topics}, indent=2))
        return
    console = Console()
    columns = ("queued", "delivered", "opens", "useful", "not_for_me")
    table = Table(title="Items")
    for column in ("id", "title", "state", *columns):
        table.add_column(column, justify="right" if column in columns or column == "id" else "left")
    for row in rows:
        table.add_row(str(row["id"]), row["title"], row["state"], *(str(row[c]) for c in columns))
    console.print(table if rows else "No content yet.")
    by_topic = Table(title="Topics")
    for column in ("topic", "items", *columns):
        by_topic.add_column(column)
    for topic in topics:
        by_topic.add_row(topic["topic"], str(topic["items"]), *(str(topic[c]) for c in columns))
    if topics:
        console.print(by_topic)


@click.group("digest")
def digest_group() -> None:
    """Digests: leaders' curated items on their own schedule."""


@digest_group.command("run")
@click.option("--now", "force", is_flag=True, help="Every leader whose digest is not off counts as due.")
@click.option("--leader", "leader_email", default=None, metavar="EMAIL", help="Only this leader.")
def digest_run(force: bool, leader_email: str | None) -> None:
    """Run the due digests at once (the scheduler does this every few minutes)."""
    from scheduler.digest_jobs import run_digests

    settings = settings_or_exit()
    database = database_or_exit(settings)
    try:
        result = run_digests(database, settings, force=force, leader_email=leader_email)
    except LookupError as error:
        fail(str(error).strip("'\""), 2)
    click.echo(f"{result.due} due; {result.sent} digest{'s' if result.sent != 1 else ''} queued "
               f"({result.messages} message{'s' if result.messages != 1 else ''}); {result.empty} with "
               f"nothing new; {result.unreachable} not reachable in chat. ({result.seconds:.2f} s)")


@click.group("announce", invoke_without_command=True)
@click.option("--text", default=None, help="What to say (at most 3,000 characters).")
@click.option("--url", default=None, help="An https link to go with it.")
@click.option("--audience", default=None, metavar="QUERY", help="Who it is for (default: everyone).")
@click.option("--at", "at", default=None, metavar="WHEN", help="When to send: ISO 8601, now, +2h.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def announce_group(ctx: click.Context, text: str | None, url: str | None, audience: str | None,
                   at: str | None, as_json: bool) -> None:
    """Send an announcement to an audience now or at a time; `announce status ID` is its report."""
    if ctx.invoked_subcommand is not None:
        return
    if not text:
        fail("--text is required (or `leaders announce status ID`)", 2)
    from bot.announcements import create

    settings = settings_or_exit()
    send_at = _when(at, "--at")
    database = database_or_exit(settings)
    try:
        with database.session() as session:
            announcement = create(session, actor=audit.cli_actor(), text=text, url=url or "",
                                  audience=audience or "", send_at=send_at)
            data = report(session, announcement).as_json()
    except ContentError as error:
        fail(f"nothing sent: {error}", 2)
    except QueryError as error:
        fail(f"--audience: {error}", 2)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Announcement {data['id']}: {data['messages']} messages queued for "
               f"{format_moment(datetime.fromisoformat(data['send_at']))} to {data['audience']} "
               f"({data['audience_size']} leaders; {data['unreachable']} not in chat yet). "
               f"`leaders announce status {data['id']}` shows its delivery.")


@announce_group.command("status")
@click.argument("announcement_id", type=ID)
@click.option("--json", "as_json", is_flag=True)
def announce_status(announcement_id: int, as_json: bool) -> None:
    """An announcement's delivery report: sent, waiting, failed (and why)."""
    database = database_or_exit(settings_or_exit())
    with database.session() as session:
        announcement = session.get(Announcement, announcement_id)
        if announcement is None:
            fail(f"no announcement with id {announcement_id}")
        data = report(session, announcement).as_json()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Announcement {data['id']} to {data['audience']} ({data['audience_size']} leaders), "
               f"sending from {format_moment(datetime.fromisoformat(data['send_at']))}")
    click.echo(f"  sent {data['sent']} · waiting {data['waiting']} · failed {data['failed']}"
               + (f" · not in chat yet {data['unreachable']}" if data["unreachable"] else ""))
    for failure in data["failures"]:
        click.echo(f"  failed ×{failure['count']}: {failure['reason']}")


COMMANDS = (content_group, digest_group, announce_group)
