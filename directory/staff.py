"""The staff role: who may run staff-only commands, granted by LEADERS_STAFF_EMAILS or by staff_member rows.

The environment list is the bootstrap (the first staff member of a fresh install) and cannot be removed
from the CLI; everyone else is granted and revoked with `leaders staff add|remove` or `staff add|remove`
in chat, each change audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import audit
from directory.models import Leader, StaffMember
from directory.people import by_email


class StaffError(ValueError):
    """A staff change that cannot be made; the message says why, in words an operator can act on."""


@dataclass(frozen=True)
class StaffEntry:
    email: str
    full_name: str
    source: str  # "LEADERS_STAFF_EMAILS" or who granted it


def is_staff(session: Session, leader: Leader, env_emails: frozenset[str]) -> bool:
    if leader.email_key in env_emails:
        return True
    return session.get(StaffMember, leader.id) is not None


class AlreadyStaff(Exception):
    """Granting the role to someone who has it: not an error, and nothing changes (nor is audited)."""

    def __init__(self, leader: Leader) -> None:
        super().__init__(f"{leader.email} already has the staff role")
        self.leader = leader


def grant(session: Session, email: str, actor: str, env_emails: frozenset[str]) -> Leader:
    """Give the staff role; `AlreadyStaff` (not a StaffError) when they have it already."""
    leader = by_email(session, email)
    if leader is None:
        raise StaffError(f"{email.strip()[:320]} is not in the directory; import them first")
    if is_staff(session, leader, env_emails):
        raise AlreadyStaff(leader)
    session.add(StaffMember(leader_id=leader.id, granted_by=actor))
    audit.record(session, actor, "staff.granted", audit.leader_ref(leader.id))
    return leader


def revoke(session: Session, email: str, actor: str, env_emails: frozenset[str]) -> Leader:
    leader = by_email(session, email)
    if leader is None:
        raise StaffError(f"{email.strip()[:320]} is not in the directory")
    row = session.get(StaffMember, leader.id)
    if row is not None and actor == audit.leader_ref(leader.id) and len(members(session, env_emails)) <= 1:
        raise StaffError("you are the last staff member: give someone else the staff role before removing "
                         "your own")
    if row is None:
        if leader.email_key in env_emails:
            raise StaffError(f"{leader.email} is staff through LEADERS_STAFF_EMAILS; remove them there")
        raise StaffError(f"{leader.email} does not have the staff role")
    session.delete(row)
    audit.record(session, actor, "staff.revoked", audit.leader_ref(leader.id))
    return leader


def members(session: Session, env_emails: frozenset[str]) -> list[StaffEntry]:
    entries: dict[str, StaffEntry] = {}
    if env_emails:
        for leader in session.scalars(select(Leader).where(Leader.email_key.in_(sorted(env_emails)))):
            entries[leader.email_key] = StaffEntry(leader.email, leader.full_name, "LEADERS_STAFF_EMAILS")
    rows = session.execute(select(Leader, StaffMember).join(StaffMember, StaffMember.leader_id == Leader.id))
    for leader, row in rows:
        entries.setdefault(leader.email_key, StaffEntry(leader.email, leader.full_name,
                                                        f"granted by {row.granted_by}"))
    return sorted(entries.values(), key=lambda e: e.email.lower())
