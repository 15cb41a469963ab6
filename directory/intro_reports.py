"""What staff see of introductions: a listing (who asked whom, in which state) and totals.

Staff see the state of requests, never their "did you meet?" answers one by one — only the totals — and
never the reasons written (those are between the two leaders). `waiting` lists the requests whose
recipient is not in chat yet: they go out when the recipient first links an account.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from directory import audit
from directory.introductions import (
    ACCEPTED,
    DECLINED,
    EXPIRED,
    OPEN,
    STATUSES,
    IntroDelegate,
    Introduction,
    IntroError,
    aware,
)
from directory.models import Leader
from directory.people import by_email

FILTERS = (*STATUSES, "open", "waiting")


@dataclass(frozen=True)
class IntroLine:
    id: int
    status: str
    requester: str
    recipient: str
    created_at: str
    decided_at: str
    waiting: bool
    answered_by: str

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def listing(session: Session, status: str | None = None, limit: int = 10_000) -> list[IntroLine]:
    if status is not None and status not in FILTERS:
        raise IntroError(f"unknown status {status[:40]!r}: choose one of {', '.join(FILTERS)}")
    asker, asked, answerer = aliased(Leader), aliased(Leader), aliased(Leader)
    query = (select(Introduction, asker.email, asked.email, answerer.email)
             .join(asker, asker.id == Introduction.requester_id)
             .join(asked, asked.id == Introduction.recipient_id)
             .outerjoin(answerer, answerer.id == Introduction.answered_by_id))
    if status == "open":
        query = query.where(Introduction.status.in_(OPEN))
    elif status == "waiting":
        query = query.where(Introduction.status.in_(OPEN), Introduction.delivered_at.is_(None))
    elif status is not None:
        query = query.where(Introduction.status == status)
    lines = []
    rows = session.execute(query.order_by(Introduction.id).limit(limit))
    for intro, requester, recipient, answered in rows:
        decided = aware(intro.decided_at)
        lines.append(IntroLine(intro.id, intro.status, requester, recipient,
                               (aware(intro.created_at) or intro.created_at).isoformat(),
                               decided.isoformat() if decided else "",
                               intro.status in OPEN and intro.delivered_at is None, answered or ""))
    return lines


def stats(session: Session) -> dict[str, Any]:
    """Totals: requested (all ever made), each outcome, "did you meet?" answers, median time to answer."""
    by_status = dict(session.execute(select(Introduction.status, func.count()).group_by(Introduction.status))
                     .tuples().all())
    met: dict[str, int] = {"yes": 0, "not_yet": 0, "no": 0}
    for column in (Introduction.met_requester, Introduction.met_recipient):
        for answer, count in session.execute(select(column, func.count()).where(column != "")
                                             .group_by(column)).tuples():
            met[answer] = met.get(answer, 0) + count
    answered = session.execute(select(Introduction.created_at, Introduction.decided_at).where(
        Introduction.status.in_((ACCEPTED, DECLINED)), Introduction.decided_at.is_not(None))).all()
    hours = [((aware(b) - aware(a)).total_seconds() / 3600) for a, b in answered]  # type: ignore[operator]
    waiting = session.scalar(select(func.count()).select_from(Introduction).where(
        Introduction.status.in_(OPEN), Introduction.delivered_at.is_(None))) or 0
    return {"requested": sum(by_status.values()), "accepted": by_status.get(ACCEPTED, 0),
            "declined": by_status.get(DECLINED, 0), "expired": by_status.get(EXPIRED, 0),
            "withdrawn": by_status.get("withdrawn", 0),
            "open": sum(by_status.get(s, 0) for s in OPEN), "waiting": int(waiting),
            "met": met["yes"], "not_yet_met": met["not_yet"], "did_not_meet": met["no"],
            "median_hours_to_answer": round(statistics.median(hours), 1) if hours else None}


# --- delegates (staff-approved) -------------------------------------------------------------------------

def _leader(session: Session, email: str) -> Leader:
    found = by_email(session, email)
    if found is None:
        raise IntroError(f"{email.strip()[:320]} is not in the directory")
    return found


def add_delegate(session: Session, leader_email: str, delegate_email: str,
                 actor: str) -> tuple[Leader, Leader]:
    """Approve `delegate` to receive and answer introduction requests on `leader`'s behalf."""
    leader, delegate = _leader(session, leader_email), _leader(session, delegate_email)
    if leader.id == delegate.id:
        raise IntroError("a leader cannot be their own delegate")
    if session.get(IntroDelegate, (leader.id, delegate.id)) is not None:
        raise IntroError(f"{delegate.email} is already a delegate of {leader.email}")
    session.add(IntroDelegate(leader_id=leader.id, delegate_id=delegate.id, approved_by=actor[:200]))
    audit.record(session, actor, "intro.delegate_added", audit.leader_ref(leader.id),
                 delegate=audit.leader_ref(delegate.id))
    session.flush()
    return leader, delegate


def remove_delegate(session: Session, leader_email: str, delegate_email: str, actor: str) -> None:
    leader, delegate = _leader(session, leader_email), _leader(session, delegate_email)
    found = session.get(IntroDelegate, (leader.id, delegate.id))
    if found is None:
        raise IntroError(f"{delegate.email} is not a delegate of {leader.email}")
    session.delete(found)
    audit.record(session, actor, "intro.delegate_removed", audit.leader_ref(leader.id),
                 delegate=audit.leader_ref(delegate.id))
    session.flush()
