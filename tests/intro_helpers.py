"""Shared steps of the introduction tests: one real server that speaks Slack *and* Teams, the fakes of both
platforms, leaders linked on each, and ways to read what each fake recorded.

Áine (Slack, workspace T0001) and Seán (Teams, the test tenant) both have a phone number in the sample
directory, so the privacy checks have an email and a phone to look for.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientSession
from sqlalchemy import select

from directory.conversations import ConversationRef, save_reference
from directory.database import Database
from directory.introductions import Introduction
from directory.settings import Settings
from tests.fakes_teams import BOT_ID, TENANT, FakeConnector, Member
from tests.live_helpers import card_row, link
from tests.slack_fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack, RunningServer
from tests.teams_server import running

AINE = ("UAINE", "aine.nibhriain@belfastcity.gov.uk", "+44 7700 900101")
PAT = ("UPAT", "pat.nurse@cardiff.gov.uk", "+44 7700 900104")
SEAN = Member("29:1sean", "aad-sean-0001", "Seán O'Brien", "sean.obrien@scotland.police.uk")
SEAN_PHONE = "+44 7700 900102"
PRIYA = Member("29:1priya", "aad-priya-0001", "Priya Patel", "priya.patel@hmrc.gov.uk")
REASON = "I'd value your experience of major incidents as we plan for winter in Belfast."


def both(settings: Settings, fake_slack: FakeSlack) -> Settings:
    """The Teams test settings with Slack (one workspace, bot token) pointed at the fake too."""
    return settings.model_copy(update={"slack_signing_secret": SIGNING_SECRET, "slack_bot_token": BOT_TOKEN,
                                       "slack_api_url": fake_slack.api_url})


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[str, RunningServer]]:
    """The real app on loopback: (base URL for Teams posts, a Slack client for signed requests)."""
    async with running(settings) as (base, services, _), ClientSession() as session:
        yield base, RunningServer(base, session, services, None)  # type: ignore[arg-type]


def on_slack(db: Database, who: tuple[str, ...] = AINE) -> int:
    return link(db, "slack", "T0001", who[0], who[1])


def on_teams(db: Database, url: str, member: Member, tenant: str = TENANT) -> int:
    """A linked Teams account whose 1:1 chat with the bot is known (they have talked to it before)."""
    account = link(db, "teams", tenant, member.aad_object_id, member.email or "")
    with db.session() as session:
        save_reference(session, ConversationRef(tenant, member.aad_object_id, personal_chat(member),
                                                "personal", url, BOT_ID, member.id, "Leaders Connect"))
    return account


def personal_chat(member: Member) -> str:
    return f"a:1personal-{member.aad_object_id}"


def only_intro(db: Database) -> Introduction:
    with db.session() as session:
        (intro,) = session.scalars(select(Introduction)).all()
        session.expunge(intro)
        return intro


def slack_card(fake: FakeSlack, db: Database, key: str) -> dict[str, Any]:
    row = card_row(db, key)
    return fake.messages[(row.sent_conversation, row.platform_message_id)]


def teams_card(fake: FakeConnector, db: Database, key: str) -> dict[str, Any]:
    row = card_row(db, key)
    return fake.messages[(row.sent_conversation, row.platform_message_id)]["attachments"][0]["content"]


def everything_recorded(fake_slack: FakeSlack, connector: FakeConnector) -> str:
    """Every request both fakes received and every answer sent to a Slack response_url, as one text."""
    return json.dumps([[c.body for c in fake_slack.calls], fake_slack.responses,
                       [c["body"] for c in connector.calls]], ensure_ascii=False)


def seen(text: str, *secrets: str) -> list[str]:
    """Which of `secrets` appear in `text` (a phone number also without its spaces)."""
    return [s for s in secrets if s in text or s.replace(" ", "") in text]
