"""The audit log: who did what to whom, appended in the same transaction as the thing it records.

Staff actions, disclosures of contact details, exports, sign-ins, links and unlinks, data-rights requests
and unusual search volumes are written here. Entries name people only by reference (`leader:12`,
`cli:alice`), never by name or email, and never hold tokens — so the log can be kept when a leader is
erased, and can be shown to an auditor without leaking what it protects.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.ids import parse_id
from directory.models import AuditEvent, Leader, utcnow

# The actions the service records; a typo in a call site fails loudly instead of writing a stray name.
ACTIONS = frozenset({
    "staff.granted", "staff.revoked", "staff.refused",
    "contact.disclosed", "directory.exported", "directory.imported",
    "signin.started", "signin.succeeded", "signin.refused",
    "web.signed_in",
    "account.linked", "account.unlinked", "account.reverified",
    "data.exported", "data.erasure_requested", "data.erasure_cancelled", "data.erased",
    "data.suppression_lifted", "profile.self_edited", "import.self_edits_overwritten",
    "search.cap_reached",
    "poll.created", "poll.edited", "poll.opened", "poll.closed", "poll.cancelled", "poll.comment_redacted",
    "profile.confirmed", "leader.left",
    "intro.requested", "intro.accepted", "intro.declined", "intro.snoozed", "intro.withdrawn",
    "intro.expired", "intro.asked_again", "intro.blocked", "intro.met",
    "intro.delegate_added", "intro.delegate_removed",
    "content.drafted", "content.approved", "content.edited", "content.retired",
    "content.topic_added", "content.topic_retired", "announcement.created",
})


def leader_ref(leader_id: int) -> str:
    return f"leader:{leader_id}"


def cli_actor() -> str:
    """Who runs a CLI command: the operating-system account, which is what an operator is accountable as."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a container: still an actor
        return "cli:unknown"


def record(session: Session, actor: str, action: str, subject: str = "", **details: Any) -> AuditEvent:
    """Append one entry (flushed with the caller's transaction, so it commits or rolls back with it)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(actor=actor[:200], action=action, subject=subject[:200], details=details,
                       at=utcnow())
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditLine:
    """An entry for display: references resolved to emails while the leader still exists."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=UTC)  # SQLite returns naive UTC
        return {"id": self.id, "at": at.isoformat(), "actor": self.actor, "action": self.action,
                "subject": self.subject, "details": self.details}


def resolve_actor(session: Session, actor: str) -> str:
    """`--actor` accepts an email, a `leader:N` or `cli:name` reference; the log stores references."""
    if "@" in actor and ":" not in actor:
        leader = session.scalar(select(Leader).where(Leader.email_key == actor.strip().lower()))
        return leader_ref(leader.id) if leader else f"unknown:{actor}"
    return actor


def lines(session: Session, since: datetime | None = None, actor: str | None = None,
          action: str | None = None) -> Iterator[AuditLine]:
    """Entries oldest first, filtered; references to leaders shown as `leader:12 <email>` if they exist."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if actor:
        query = query.where(AuditEvent.actor == resolve_actor(session, actor))
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    emails: dict[str, str] = {}

    def show(ref: str) -> str:
        if not ref.startswith("leader:"):
            return ref
        if ref not in emails:
            leader_id = parse_id(ref.split(":", 1)[1])
            leader = session.get(Leader, leader_id) if leader_id is not None else None
            emails[ref] = f"{ref} <{leader.email}>" if leader else f"{ref} (erased)"
        return emails[ref]

    for event in session.scalars(query).yield_per(500):
        yield AuditLine(event.id, event.at, show(event.actor), event.action,
                        show(event.subject) if event.subject else "", dict(event.details or {}))
