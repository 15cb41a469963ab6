"""Shared steps of the content and digest tests: a topic vocabulary, items published under the
two-person rule (drafted by one staff reference, approved by another), and a digest run on the fake
clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from directory import content
from directory.database import Database
from directory.outbox import OutboxMessage
from directory.settings import Settings
from scheduler.digest_jobs import DigestRun, run_digests

TOPICS = ("cyber", "workforce", "net-zero")
DRAFTER, APPROVER = "leader:9001", "leader:9002"  # two staff references (the audit log's form)


def topics(db: Database, names: tuple[str, ...] = TOPICS) -> None:
    with db.session() as session:
        for name in names:
            content.add_topic(session, name, "cli:test")


def publish(db: Database, title: str, *, topic: str = "cyber", audience: str = "",
            url: str = "https://www.ncsc.gov.uk/collection/10-steps", summary: str = "What to do first.",
            publish_at: datetime | None = None, expires_at: datetime | None = None) -> int:
    """An item drafted by one staff member and approved by another; returns its id."""
    with db.session() as session:
        item = content.add_item(session, actor=DRAFTER, title=title, url=url, summary=summary,
                                topics=[topic], audience=audience, publish_at=publish_at,
                                expires_at=expires_at)
        content.approve(session, item.id, APPROVER)
        return item.id


def digest(db: Database, settings: Settings | None = None, **options: object) -> DigestRun:
    settings = settings or Settings(_env_file=None, LEADERS_DATABASE_URL=db.url)  # type: ignore[call-arg]
    return run_digests(db, settings, **options)  # type: ignore[arg-type]


def digest_rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage)
                                    .where(OutboxMessage.dedupe_key.startswith("digest:"))
                                    .order_by(OutboxMessage.id)))


def titles(row: OutboxMessage) -> list[str]:
    """The item titles a queued digest holds (its headings, minus the digest's own)."""
    return [b["text"] for b in row.reply["blocks"]
            if b["type"] == "text" and b["style"] == "heading" and not b["text"].startswith("Your ")]
