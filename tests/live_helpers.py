"""Shared steps of the live-card tests: link chat accounts, run a delivery worker, read what it sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from adapters.bootstrap import build_services
from directory.database import Database
from directory.models import ChatAccount, Leader
from directory.outbox import UPDATE, OutboxMessage
from directory.people import by_email
from directory.settings import Settings
from tests.delivery_helpers import run_worker_until, settled

FAST = {"delivery_poll_seconds": 0.05, "delivery_backoff_seconds": 0.05, "delivery_backoff_max_seconds": 0.2}


def link(db: Database, platform: str, workspace: str, user: str, email: str, team: str = "") -> int:
    """A chat account linked to the leader with `email` (as a first message would link it)."""
    with db.session() as session:
        leader = by_email(session, email)
        assert leader is not None, email
        account = ChatAccount(platform=platform, workspace_id=workspace, user_id=user, leader_id=leader.id,
                              linked_via="test", team_id=team)
        session.add(account)
        session.flush()
        return account.id


def leader(db: Database, email: str) -> Leader:
    with db.session() as session:
        found = by_email(session, email)
        assert found is not None
        return found


async def deliver(db: Database, settings: Settings) -> None:
    """Start a fresh worker process's delivery (a restart each time), run it until the outbox is settled."""
    fast = settings.model_copy(update=FAST)
    services = build_services(fast, with_workers=True)
    assert services.delivery is not None
    try:
        await run_worker_until(services.delivery, lambda: settled(db))
    finally:
        services.database.dispose()


def card_row(db: Database, key: str) -> OutboxMessage:
    with db.session() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert row is not None, key
        return row


def updates_of(db: Database, key: str) -> list[OutboxMessage]:
    with db.session() as session:
        card = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == UPDATE,
                                                                OutboxMessage.target_id == card)
                                    .order_by(OutboxMessage.id)))


def outbox_size(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def slack_buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """label -> the neutral action id a button carries, in a Block Kit message."""
    found: dict[str, str] = {}
    for block in blocks:
        for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
            if element.get("type") == "button" and "value" in element:
                found[element["text"]["text"]] = element["value"]
    return found
