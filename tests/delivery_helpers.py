"""Shared set-up for the delivery tests and benchmark: recipients, queued messages, installs, a worker.

Recipients are real leaders with linked chat accounts; messages go in through `enqueue_many`, the
function use cases will call; Slack workspaces are installed in the real OAuth installation store, so
the sender finds each workspace's token the way production does.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func, insert, select

from bot.replies import Reply, Text
from bot.reply_codec import reply_to_json
from directory.database import Database
from directory.models import ChatAccount, Leader
from directory.outbox import FAILED, SENT, OutboxMessage, Outgoing, enqueue_many
from directory.settings import Settings

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CLIENT_ID = "111.222"


def make_accounts(db: Database, platform: str, workspace: str, count: int, prefix: str = "U") -> list[int]:
    """`count` leaders, each with a chat account on `platform`/`workspace`; returns the account ids."""
    with db.session() as session:
        start = (session.scalar(select(func.max(Leader.id))) or 0) + 1
        leaders = [{"id": start + i, "email": f"{prefix.lower()}{workspace.lower()}{i}@example.gov.uk",
                    "email_key": f"{prefix.lower()}{workspace.lower()}{i}@example.gov.uk",
                    "full_name": f"Leader {i}", "role": "Chief Executive", "organisation": "A Council",
                    "sector": "local-government", "visibility": {}} for i in range(count)]
        session.execute(insert(Leader), leaders)
        session.execute(insert(ChatAccount), [
            {"platform": platform, "workspace_id": workspace, "user_id": f"{prefix}{i:05d}",
             "leader_id": start + i, "linked_via": "test"} for i in range(count)])
        return list(session.scalars(select(ChatAccount.id).where(
            ChatAccount.platform == platform, ChatAccount.workspace_id == workspace,
            ChatAccount.user_id.like(f"{prefix}%")).order_by(ChatAccount.id)))


def queue(db: Database, account_ids: list[int], tag: str = "poll-1") -> int:
    """One message per account, each with its own dedupe key and text (`<tag> to <user id>`)."""
    with db.session() as session:
        accounts = session.scalars(select(ChatAccount).where(ChatAccount.id.in_(account_ids))).all()
        return enqueue_many(session, [
            Outgoing(a, reply_to_json(Reply((Text(f"{tag} to {a.user_id}"),))), f"{tag}:{a.id}")
            for a in accounts])


def install_workspaces(db: Database, tokens: dict[str, str]) -> None:
    """Save an OAuth installation (bot token) per workspace, as the Slack install flow does."""
    from slack_sdk.oauth.installation_store.models.installation import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=db.engine)
    for token, team in tokens.items():
        store.save(Installation(app_id="A0LEADERS", enterprise_id=None, team_id=team, bot_token=token,
                                bot_id=f"B{team}", bot_user_id=f"UBOT{team}", user_id="UINSTALLER",
                                bot_scopes=["chat:write"]))


def slack_settings(db: Database, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"LEADERS_DATABASE_URL": db.url, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                              "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "secret",
                              "SLACK_API_URL": api_url, "LEADERS_DELIVERY_POLL_SECONDS": 0.05,
                              "LEADERS_ALLOWED_SLACK_TEAMS": "TNORTH,TSOUTH,T0001",
                              "LEADERS_DELIVERY_BACKOFF_SECONDS": 0.05,
                              "LEADERS_DELIVERY_BACKOFF_MAX_SECONDS": 0.2,
                              "LEADERS_SLACK_WORKSPACE_PER_MINUTE": 60_000,
                              "LEADERS_SLACK_CHANNEL_PER_SECOND": 100, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {status: n for status, n in session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}


def settled(db: Database) -> bool:
    """Nothing left to do: every message sent or failed."""
    with db.session() as session:
        return not session.scalar(select(func.count()).where(OutboxMessage.status.notin_((SENT, FAILED))))


class Stamped:
    """The worker's sender, telling the fake platform when the pacer let each request go before sending
    it, so the fake judges rate limits by departure, not by loaded-loopback arrival (tests.delivery_fakes)."""

    def __init__(self, sender: Any, fake: Any) -> None:
        self.inner, self.fake = sender, fake

    async def send(self, envelope: Any) -> Any:
        self.fake.depart(envelope.user_id, envelope.paced_at)
        return await self.inner.send(envelope)

    async def close(self) -> None:
        await self.inner.close()


def stamped(worker: Any, fake: Any) -> Any:
    """`worker`, its sends stamped with their departure for `fake` (see `Stamped`)."""
    worker.sender = Stamped(worker.sender, fake)
    return worker


async def wait_for(condition: Any, timeout: float = 30.0) -> None:
    """Until `condition()` (checked in a thread) is true — an event to wait for, not a length of time."""
    started = time.monotonic()
    while not await asyncio.to_thread(condition):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not true within {timeout} s")
        await asyncio.sleep(0.02)


async def run_worker_until(worker: Any, done: Any, timeout: float = 30.0) -> float:
    """Run `worker` until `done()` (checked in a thread) is true; stop it; return the seconds it took."""
    task = asyncio.create_task(worker.run())
    started = time.monotonic()
    try:
        while not await asyncio.to_thread(done):
            if task.done():
                task.result()
                raise AssertionError("the worker stopped on its own")
            if time.monotonic() - started > timeout:
                raise AssertionError(f"not done within {timeout} s")
            await asyncio.sleep(0.05)
        return time.monotonic() - started
    finally:
        worker.stop()
        await task
        await worker.sender.close()
