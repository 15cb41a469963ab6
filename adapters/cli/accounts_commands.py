"""`leaders accounts check`: chat-account links made on weaker evidence than today's rules, for staff.

The decision is directory/link_review.py's; this is the command around it, plus the one thing that needs
a platform: `--recheck-slack` asks Slack again (`users.info` with the workspace's bot token) about links
made by Slack email before confirmation and full membership were required, and relabels those Slack now
vouches for. With one SLACK_BOT_TOKEN it also asks `auth.test` which workspace the token belongs to, so
Slack links from any other workspace are listed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from adapters.cli.main import database_or_exit, fail, settings_or_exit
from directory import audit
from directory.accounts import LEGACY_SLACK_VIA, AccountError, describe, relink, removed_links
from directory.database import Database
from directory.link_review import REASONS, Concern, Rules, matches, reverified, review, revoke
from directory.people import by_email
from directory.settings import Settings


@click.group("accounts")
def accounts_group() -> None:
    """Review chat-account links (Slack, Teams) against today's trust rules."""


@accounts_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--recheck-slack", is_flag=True,
              help="Ask Slack again about links made by Slack email before it had to be confirmed.")
@click.option("--revoke", "do_revoke", is_flag=True, help="Remove every link listed (asks first).")
@click.option("--yes", is_flag=True, help="With --revoke: do not ask for confirmation.")
def check_command(as_json: bool, recheck_slack: bool, do_revoke: bool, yes: bool) -> None:
    """List live links that today's rules would not have made, and why.

    Exit status 0 when there are none (or all were removed with --revoke), 1 when some remain.
    """
    settings = settings_or_exit()
    database = database_or_exit(settings)
    notes: list[str] = []
    slack_workspaces = _slack_workspaces(settings, recheck_slack, notes)
    rules = Rules(settings.allowed_tenant_set, settings.tenant_domain_map, slack_workspaces)
    if recheck_slack:
        _recheck_slack(settings, database, rules, notes)
    with database.session(commit=False) as session:
        concerns = review(session, rules)
    removed = 0
    if do_revoke and concerns:
        question = (f"Remove {len(concerns)} link(s)? Each stays removed until its owner signs in with "
                    "Microsoft from that account")
        if not yes and not click.confirm(question, err=True):
            fail("cancelled; nothing removed")
        with database.session() as session:
            removed = revoke(session, concerns, audit.cli_actor())
    _print(concerns, notes, removed, as_json)
    sys.exit(1 if concerns and not removed else 0)


@accounts_group.command("relink")
@click.argument("email")
@click.option("--account", "account_id", type=int,
              help="The removed link to restore (its number from the list).")
def relink_command(email: str, account_id: int | None) -> None:
    """Put back a chat-account link the leader with EMAIL removed (audited).

    Without --account, lists their removed links with their numbers. Only a link that was theirs comes
    back; linking an account to a different leader is not done here.
    """
    database = database_or_exit(settings_or_exit())
    with database.session(commit=account_id is not None) as session:
        leader = by_email(session, email)
        if leader is None:
            fail(f"{email[:320]} is not in the directory; nothing changed")
        if account_id is None:
            removed = removed_links(session, leader)
            if not removed:
                click.echo(f"{leader.email} has no removed links.")
            for account in removed:
                click.echo(f"{account.id}\t{describe(account)}, removed {account.revoked_at:%d %b %Y}")
            if removed:
                click.echo(f"Restore one with `leaders accounts relink {leader.email} --account N`.")
            return
        try:
            account = relink(session, leader, account_id, audit.cli_actor())
        except AccountError as error:
            fail(f"{error}; nothing changed")
        click.echo(f"Relinked: {describe(account)} acts as {leader.email} again.")


def _slack_workspaces(settings: Settings, ask: bool, notes: list[str]) -> frozenset[str] | None:
    """Slack workspaces admitted today: the list in OAuth mode, the token's own (asked) with one token."""
    if settings.slack_client_id:
        return settings.allowed_slack_team_set
    if not settings.slack_bot_token:
        notes.append("Slack is not configured here, so every Slack link is listed as not admitted.")
        return frozenset()
    if not ask:
        notes.append("With one SLACK_BOT_TOKEN the admitted workspace is the token's own; run with "
                     "--recheck-slack to ask Slack which that is and check Slack links against it.")
        return None
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        answer = _client(settings, settings.slack_bot_token).auth_test()
    except (SlackApiError, SlackClientError, OSError) as error:
        notes.append("Could not ask Slack which workspace SLACK_BOT_TOKEN belongs to "
                     f"({type(error).__name__}); Slack links were not checked against it.")
        return None
    return frozenset(i for i in (answer.get("team_id"), answer.get("enterprise_id")) if i)


def _client(settings: Settings, token: str) -> Any:
    from slack_sdk import WebClient

    base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    return WebClient(token=token, base_url=base, timeout=10)


def _recheck_slack(settings: Settings, database: Database, rules: Rules, notes: list[str]) -> None:
    """Relabel each legacy Slack link Slack now vouches for; leave the rest listed, saying why."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    from adapters.slack.identity import vouched_email

    with database.session(commit=False) as session:
        legacy = [c for c in review(session, rules) if c.linked_via == LEGACY_SLACK_VIA]
    confirmed = unreachable = 0
    for concern in legacy:
        token = _slack_token(settings, database, concern.workspace_id)
        if not token:
            unreachable += 1
            continue
        try:
            user = _client(settings, token).users_info(user=concern.user_id).get("user") or {}
        except (SlackApiError, SlackClientError, OSError):
            unreachable += 1
            continue
        if matches(vouched_email(user, frozenset({concern.workspace_id})), concern.leader_email):
            with database.session() as session:
                reverified(session, concern.account_id, audit.cli_actor())
            confirmed += 1
    notes.append(f"Asked Slack about {len(legacy)} link(s) made by Slack email before confirmation was "
                 f"required: {confirmed} now confirmed (relabelled), {unreachable} could not be asked, "
                 f"{len(legacy) - confirmed - unreachable} not vouched for (still listed).")


def _slack_token(settings: Settings, database: Database, workspace_id: str) -> str | None:
    if not settings.slack_client_id:
        return settings.slack_bot_token or None
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=database.engine)
    grid = workspace_id.startswith("E")
    bot = store.find_bot(enterprise_id=workspace_id if grid else None, team_id=None if grid else workspace_id,
                         is_enterprise_install=grid)
    return bot.bot_token if bot is not None else None


def _print(concerns: list[Concern], notes: list[str], removed: int, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"flagged": [c.as_json() for c in concerns], "removed": removed,
                               "notes": notes}, ensure_ascii=False, indent=2))
        return
    for note in notes:
        click.echo(f"Note: {note}", err=True)
    if not concerns:
        click.echo("Every live chat-account link meets today's rules.")
        return
    for c in concerns:
        where = "Microsoft Teams tenant" if c.platform == "teams" else "Slack workspace"
        click.echo(f"account {c.account_id}: {c.leader_email} — {where} {c.workspace_id}, user {c.user_id}, "
                   f"linked {c.linked_at:%Y-%m-%d} by {c.linked_via}")
        for reason in c.reasons:
            click.echo(f"    {REASONS[reason]}")
    if removed:
        click.echo(f"Removed {removed} link(s); their owners can link again with Sign in with Microsoft.")
    else:
        click.echo(f"{len(concerns)} link(s) listed. Remove them with `leaders accounts check --revoke`.")


COMMANDS = [accounts_group]
