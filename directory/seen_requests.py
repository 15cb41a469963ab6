"""Inbound requests already taken, kept in the store so every server process sees them.

Slack redelivers an Events API event it thinks we missed (same `event_id`, a new signature), and anyone
who captured a signed request could send it again within the signature's five minutes. With several
`serve` processes behind a load balancer, a retry or a replay may land on a process that never saw the
first copy, so the memory of what was taken has to live in the database: one row per key, claimed with
an atomic insert, forgotten once it can no longer matter.

A key that is claimed again after its row expired counts as new (the row is renewed in the same
statement), so expiry never needs to have run for correctness; `forget_expired` only keeps the table
small.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, DateTime, String, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.models import Base, utcnow

MAX_KEY = 200


class SeenRequest(Base):
    """One inbound request (or event) already taken, until `expires_at`."""

    __tablename__ = "seen_request"

    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def _dialect(executor: Session | Connection) -> str:
    return executor.get_bind().dialect.name if isinstance(executor, Session) else executor.dialect.name


@cache
def _claim(dialect: str) -> Any:
    """The claim, built once per dialect: constructing it cost more CPU than running it (~0.5 ms)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SeenRequest).values(key=bindparam("key"), expires_at=bindparam("expires_at"))
    return statement.on_conflict_do_update(
        index_elements=[SeenRequest.key], set_={"expires_at": statement.excluded.expires_at},
        where=SeenRequest.expires_at < bindparam("now"),
    ).returning(SeenRequest.key)


def first_time(executor: Session | Connection, key: str, keep: timedelta) -> bool:
    """Claim `key` for `keep`; True if nobody had (or their claim had expired), False for a repeat.

    One `INSERT … ON CONFLICT DO UPDATE … WHERE expired RETURNING`: of two processes racing with the same
    key exactly one gets a row back, on SQLite and PostgreSQL alike. `executor`: a session, or a plain
    connection in a transaction (cheaper, for the per-request claim).
    """
    if not key or len(key) > MAX_KEY:
        raise ValueError("a request key is 1 to 200 characters")
    now = utcnow()
    found = executor.execute(_claim(_dialect(executor)), {"key": key, "expires_at": now + keep, "now": now})
    return found.first() is not None


def forget_expired(executor: Session | Connection) -> int:
    """Delete rows past their time; returns how many."""
    statement = delete(SeenRequest).where(SeenRequest.expires_at < utcnow())
    if isinstance(executor, Session):
        statement = statement.execution_options(synchronize_session=False)
    return executor.execute(statement).rowcount  # type: ignore[attr-defined]
