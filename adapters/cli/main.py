"""The `leaders` command group and what every sub-command shares: settings, the database, clean errors.

Operators see one-line messages, never tracebacks, for the failures they can fix (bad configuration, a
database that is down or behind, a bad query); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from adapters.logs import configure as configure_logging
from directory.database import Database, DatabaseNotReadyError
from directory.settings import Settings, load_settings


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"leaders: error: {message}", err=True)
    sys.exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ValidationError as error:
        from adapters.cli.config_errors import sentences

        fail("configuration: " + " ".join(sentences(error)), 2)


def database_or_exit(settings: Settings, *, ensure: bool = True) -> Database:
    database = Database(settings.database_url)
    try:
        if ensure:
            database.ensure_ready()
    except DatabaseNotReadyError as error:
        fail(str(error))
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        fail(f"cannot open the database ({_safe_url(settings.database_url)}): {reason}")
    return database


def _safe_url(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
    return url


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", is_flag=True,
              help="Log more detail to stderr (our own debug lines; never personal data).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Leaders Connect: a shared, verified directory of public-sector leaders, in Slack and Teams.

    Configuration comes from the environment or a .env file (LEADERS_DATABASE_URL, LEADERS_PORT, …;
    see README.md). With none, everything runs on a SQLite file in the current directory.
    """
    configure_logging(verbose)  # one line per record, no personal data at any level (adapters/logs.py)
    ctx.ensure_object(dict)["verbose"] = verbose


def _register() -> None:
    from adapters.cli import (
        accounts_commands,
        content_commands,
        delivery_commands,
        directory_commands,
        freshness_commands,
        intros_commands,
        poll_commands,
        run_commands,
        teams_commands,
        trust_commands,
    )

    for module in (directory_commands, run_commands, teams_commands, trust_commands, delivery_commands,
                   accounts_commands, intros_commands, freshness_commands, poll_commands, content_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
