"""A leaver's open introductions are closed kindly, in the same transaction that marks them as left.

Nobody will answer a request to someone who has left, and a request from them should not sit in a
peer's inbox asking for a decision. So each open request is closed — *withdrawn* when the leaver asked,
*expired* when the leaver was asked — every card of it is redrawn on both sides, and the other person is
told in one plain sentence, without a reason beyond "has left their role" (which the directory no
longer shows anyway). Accepted introductions stay as they are: what was shared was shared with consent.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.introductions import redraw, tell
from bot.replies import Reply, Text
from directory import audit
from directory.introductions import EXPIRED, OPEN, WITHDRAWN, Introduction
from directory.models import Leader, utcnow

LEAVER_ACTOR = "system:leaver"


def close_for_leaver(session: Session, leader: Leader) -> int:
    """Close every open introduction `leader` is part of; returns how many were closed."""
    open_ids = list(session.scalars(
        select(Introduction.id).where(Introduction.status.in_(OPEN),
                                      or_(Introduction.requester_id == leader.id,
                                          Introduction.recipient_id == leader.id))
        .order_by(Introduction.id)))
    closed = 0
    for intro_id in open_ids:
        intro = session.get(Introduction, intro_id)
        assert intro is not None
        asked = intro.requester_id == leader.id
        status = WITHDRAWN if asked else EXPIRED
        changed = session.execute(
            update(Introduction).where(Introduction.id == intro_id, Introduction.status.in_(OPEN))
            .values(status=status, decided_at=utcnow(), revision=Introduction.revision + 1)
            .execution_options(synchronize_session=False)).rowcount
        if not changed:
            continue
        session.refresh(intro)
        closed += 1
        audit.record(session, LEAVER_ACTOR, f"intro.{status}", audit.leader_ref(leader.id), intro=intro.id,
                     because="leaver")
        redraw(session, intro)
        other_id = intro.recipient_id if asked else intro.requester_id
        heading = (f"{leader.full_name} has withdrawn their introduction request" if asked
                   else f"Your introduction request to {leader.full_name} is closed")
        tell(session, other_id, Reply((
            Text(heading, "heading"),
            Text(f"{leader.full_name} has left their role, so this request is closed. Nothing was shared."),
        )), f"intro:{intro.id}:leaver")
    return closed
