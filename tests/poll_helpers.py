"""Shared steps of the poll tests: a server speaking Slack and Teams at once, pressing the buttons of
the cards leaders received (signed Slack interactivity, Teams `adaptiveCard/action` invokes), and a dump
of every table for the anonymity checks."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession
from sqlalchemy import MetaData, select, text

from directory import clock
from directory.database import Database
from directory.poll_store import PollSpec, create
from directory.polls import Poll
from directory.settings import Settings
from tests import fakes_teams as teams
from tests.fakes_teams import Member
from tests.live_helpers import card_row, slack_buttons
from tests.slack_fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack, block_actions, post_signed
from tests.teams_server import LOCAL, post
from tests.test_teams_http import submits


def both_platforms(db: Database, fake: FakeSlack, **extra: Any) -> Settings:
    """One server for Slack (single workspace, the fake Web API) and Teams (local mode, the fake
    connector the conversation references point at)."""
    return Settings(
        LEADERS_DATABASE_URL=db.url,
        _env_file=None,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,  # type: ignore[call-arg]
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake.api_url,
        **LOCAL,
        **extra,
    )


def new_poll(db: Database, **fields: Any) -> int:
    now = clock.now()
    spec = PollSpec(
        question=fields.pop("question", "How confident are you in delivering the winter plan?"),
        options=fields.pop("options", ["Very", "Somewhat", "Not at all"]),
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(days=2),
        reminders=[now + timedelta(days=1)],
        **fields,
    )
    with db.session() as session:
        return create(session, spec, "cli:test").id


def poll_state(db: Database, poll_id: int) -> Poll:
    with db.session() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        return poll


def slack_card(fake: FakeSlack, db: Database, key: str) -> dict:
    row = card_row(db, key)
    return fake.messages[(row.sent_conversation, row.platform_message_id)]


async def slack_press(
    session: ClientSession,
    base: str,
    fake: FakeSlack,
    db: Database,
    key: str,
    label: str,
    user: str,
    response: str,
    *,
    blocks: list | None = None,
    headers: dict[str, str] | None = None,
) -> dict:
    """Press `label` on the Slack card `key` (as it is now, or `blocks` of an older copy); returns what the
    app answered through the press's response_url."""
    row = card_row(db, key)
    value = slack_buttons(blocks if blocks is not None else slack_card(fake, db, key)["blocks"])[label]
    body = block_actions(
        value,
        user_id=user,
        response_url=fake.response_url(response),
        channel_id=row.sent_conversation,
        message_ts=row.platform_message_id,
        is_ephemeral=False,
    )
    status, _ = await post_signed(
        session,
        f"{base}/slack/events",
        body,
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )
    assert status == 200
    path = f"/response/{response}"
    found = await fake.wait_for(lambda: [b for p, b in fake.responses if p == path])
    return found[-1]


async def teams_press(base: str, url: str, member: Member, card: dict, title: str) -> dict:
    """Press `title` on a Teams card; returns the card Teams shows in its place."""
    pressed = next(b for b in submits(card) if b["title"] == title)
    status, body = await post(base, teams.card_execute(url, member, pressed["verb"], pressed["data"]))
    assert status == 200 and body["statusCode"] == 200, body
    return body["value"]


def dump(db: Database) -> dict[str, list[str]]:
    """Every row of every table, as text: what someone with the database (or a backup of it) holds."""
    metadata = MetaData()
    metadata.reflect(db.engine)
    found: dict[str, list[str]] = {}
    with db.engine.connect() as connection:
        for name, table in metadata.tables.items():
            found[name] = [
                json.dumps([str(v) for v in row], ensure_ascii=False)
                for row in connection.execute(select(table))
            ]
        if db.dialect == "sqlite":  # the FTS tables reflect oddly; they hold directory text only
            connection.execute(text("SELECT 1"))
    return found
