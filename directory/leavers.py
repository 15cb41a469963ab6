"""Leavers: a leader who has left the public sector is no longer found or shown, and nothing is lost.

`mark_leaver` (the `leaders leaver EMAIL [--date D]` command) sets `leader.left_at`, removes the
profile from search (both backends' index rows), ends every chat link (the accounts are revoked, so the
bot treats them as strangers and no proactive message reaches them) and every website session, and
writes `leader.left` to the audit log. The row itself stays, so the audit trail and anything that refers
to the leader stay whole; `leaders erase` is the separate, explicit removal of personal data.

Other capabilities close what they hold for the leaver through `ON_LEAVER`: each hook is called with the
session and the leader inside the same transaction (introductions closes open intros kindly there):

    from directory.leavers import ON_LEAVER
    ON_LEAVER.append(close_open_intros)      # def close_open_intros(session, leader) -> None
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from directory import audit, clock
from directory.models import ChatAccount, Leader
from directory.search_index import unindex_leaders
from directory.web_sessions import end_all as end_web_sessions

LeaverHook = Callable[[Session, Leader], None]
ON_LEAVER: list[LeaverHook] = []


class LeaverError(ValueError):
    """A one-line reason the leaver could not be marked (nothing changed)."""


def mark_leaver(session: Session, leader: Leader, actor: str, when: datetime | None = None) -> int:
    """Mark `leader` as left (at `when`, default now); returns how many chat links were ended."""
    now = clock.now()
    when = when or now
    if leader.left_at is not None:
        raise LeaverError("already marked as a leaver")
    if when > now:
        raise LeaverError("the leaving date is in the future: mark them on the day they leave")
    leader.left_at = when
    ended = session.execute(
        update(ChatAccount).where(ChatAccount.leader_id == leader.id, ChatAccount.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount or 0
    end_web_sessions(session, leader.id)  # signed out of the website at once, not at the next request
    session.flush()
    unindex_leaders(session, [leader.id])
    for hook in ON_LEAVER:
        hook(session, leader)
    audit.record(session, actor, "leader.left", audit.leader_ref(leader.id),
                 left_on=when.date().isoformat(), links_ended=int(ended))
    return int(ended)
