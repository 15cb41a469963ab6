"""Introductions in the store: the request, its state machine, blocks, delegates and the limits.

A request moves through an explicit state machine. `requested` and `snoozed` are *open* (the recipient
has not decided); every other state is final:

    requested ──accept──▶ accepted        snoozed ──accept──▶ accepted
        │ ├─decline──▶ declined              │ ├─decline──▶ declined
        │ ├─not now──▶ snoozed ──(7 days)──▶ requested (asked again)
        │ ├─withdraw─▶ withdrawn             ├─withdraw─▶ withdrawn
        └─(14 days)──▶ expired               └─(14 days)──▶ expired

`TRANSITIONS` is the whole of it; `check_transition` answers an illegal move with a sentence for the
person who tried it, and the use case then changes nothing. Every change bumps `revision` (through
`bot.live.advance`, one conditional UPDATE), so a press on an old card or a double-click changes the
state once.

Nothing here sends or renders: bot/introductions.py does, through the outbox, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    func,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.models import Base, ChatAccount, Leader, utcnow
from directory.preferred_account import PLATFORMS, preferred_account

REQUESTED, ACCEPTED, DECLINED, SNOOZED, WITHDRAWN, EXPIRED = (
    "requested", "accepted", "declined", "snoozed", "withdrawn", "expired")
STATUSES = (REQUESTED, ACCEPTED, DECLINED, SNOOZED, WITHDRAWN, EXPIRED)
OPEN = (REQUESTED, SNOOZED)
TRANSITIONS: dict[str, frozenset[str]] = {
    REQUESTED: frozenset({ACCEPTED, DECLINED, SNOOZED, WITHDRAWN, EXPIRED}),
    SNOOZED: frozenset({REQUESTED, ACCEPTED, DECLINED, WITHDRAWN, EXPIRED}),
    ACCEPTED: frozenset(), DECLINED: frozenset(), WITHDRAWN: frozenset(), EXPIRED: frozenset(),
}
MET_ANSWERS = {"yes": "Yes", "not_yet": "Not yet", "no": "No"}
REASON_MIN, REASON_MAX = 20, 500
DELIVERABLE = PLATFORMS  # platforms a message can be sent to first (directory/outbox.py)

_OPEN_SQL = text("status IN ('requested', 'snoozed')")


class Introduction(Base):
    """One leader's request to be introduced to another (see the module docstring for its states)."""

    __tablename__ = "introduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    requester_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=REQUESTED)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the recipient's card was queued; NULL while the recipient has no chat account yet (waiting).
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who pressed Accept / Decline / Not now: the recipient, or a delegate on their behalf.
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("leader.id", ondelete="SET NULL"))
    met_requester: Mapped[str] = mapped_column(String(8), default="")  # "" | yes | not_yet | no
    met_recipient: Mapped[str] = mapped_column(String(8), default="")

    __table_args__ = (Index("uq_introduction_open_pair", "requester_id", "recipient_id", unique=True,
                            sqlite_where=_OPEN_SQL, postgresql_where=_OPEN_SQL),
                      Index("ix_introduction_requester", "requester_id", "status"),
                      Index("ix_introduction_recipient", "recipient_id", "status"),
                      Index("ix_introduction_status_created", "status", "created_at"))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class IntroBlock(Base):
    """`blocker` will not receive introduction requests from `blocked`."""

    __tablename__ = "intro_block"

    blocker_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IntroDelegate(Base):
    """A staff-approved private-office delegate who receives and answers requests for `leader`."""

    __tablename__ = "intro_delegate"

    leader_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("leader.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    approved_by: Mapped[str] = mapped_column(String(200))  # an audit actor reference
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IntroError(ValueError):
    """A request or a move that cannot be made; the message is for the person who asked."""


_ILLEGAL = {
    ACCEPTED: "This introduction was already accepted",
    DECLINED: "This request was already declined",
    WITHDRAWN: "This request was withdrawn",
    EXPIRED: "This request expired without an answer",
}


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones. Compare them as aware."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def day(moment: datetime | None) -> str:
    moment = aware(moment) or utcnow()
    return f"{moment.day} {moment:%b}"


def check_transition(intro: Introduction, target: str) -> str | None:
    """None if `intro` may move to `target`; else a one-line reason, and nothing may change."""
    if target in TRANSITIONS.get(intro.status, frozenset()):
        return None
    if intro.status == target:
        return {ACCEPTED: "You already accepted this introduction.",
                DECLINED: "This request was already declined.",
                SNOOZED: "You already said not now; we'll ask again later.",
                WITHDRAWN: "This request was already withdrawn.",
                EXPIRED: "This request has already expired."}.get(target, "Nothing to change.")
    when = f" on {day(intro.decided_at)}" if intro.decided_at else ""
    return _ILLEGAL.get(intro.status, f"This request is {intro.status}") + when + "; nothing was changed."


# --- limits -------------------------------------------------------------------------------------------

def open_between(session: Session, a: int, b: int) -> Introduction | None:
    """An open request between the two leaders, either way round."""
    return session.scalar(select(Introduction).where(
        Introduction.status.in_(OPEN),
        or_((Introduction.requester_id == a) & (Introduction.recipient_id == b),
            (Introduction.requester_id == b) & (Introduction.recipient_id == a))).limit(1))


def open_count(session: Session, requester_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Introduction).where(
        Introduction.requester_id == requester_id, Introduction.status.in_(OPEN))) or 0)


def sent_since(session: Session, requester_id: int, since: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(Introduction).where(
        Introduction.requester_id == requester_id, Introduction.created_at >= since)) or 0)


def is_blocked(session: Session, blocker_id: int, blocked_id: int) -> bool:
    return session.get(IntroBlock, (blocker_id, blocked_id)) is not None


def block(session: Session, blocker_id: int, blocked_id: int) -> bool:
    """Block `blocked` from asking `blocker`; False if it was already blocked."""
    if is_blocked(session, blocker_id, blocked_id):
        return False
    session.add(IntroBlock(blocker_id=blocker_id, blocked_id=blocked_id))
    session.flush()
    return True


def unblock(session: Session, blocker_id: int, blocked_id: int) -> bool:
    found = session.get(IntroBlock, (blocker_id, blocked_id))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def week_ago() -> datetime:
    return utcnow() - timedelta(days=7)


# --- delegates ----------------------------------------------------------------------------------------

def delegates_of(session: Session, leader_id: int) -> list[Leader]:
    return list(session.scalars(select(Leader).join(IntroDelegate, IntroDelegate.delegate_id == Leader.id)
                                .where(IntroDelegate.leader_id == leader_id).order_by(Leader.id)))


def principals_of(session: Session, delegate_id: int) -> list[int]:
    """The leaders `delegate_id` answers introductions for."""
    return list(session.scalars(select(IntroDelegate.leader_id)
                                .where(IntroDelegate.delegate_id == delegate_id)))


def may_answer(session: Session, intro: Introduction, leader_id: int) -> bool:
    """The recipient, or one of their approved delegates."""
    return leader_id == intro.recipient_id or \
        session.get(IntroDelegate, (intro.recipient_id, leader_id)) is not None


@dataclass(frozen=True)
class Delegation:
    leader: Leader
    delegate: Leader
    approved_by: str


def all_delegations(session: Session) -> list[Delegation]:
    rows = session.execute(select(IntroDelegate).order_by(IntroDelegate.leader_id, IntroDelegate.delegate_id))
    found = []
    for (row,) in rows:
        leader, delegate = session.get(Leader, row.leader_id), session.get(Leader, row.delegate_id)
        if leader is not None and delegate is not None:
            found.append(Delegation(leader, delegate, row.approved_by))
    return found


# --- where to send --------------------------------------------------------------------------------------

def reach(session: Session, leader: Leader) -> ChatAccount | None:
    """The account a proactive message to `leader` goes to: their preferred platform's, else the most
    recently linked Slack or Teams one (the console is read only by the person at it)."""
    return preferred_account(session, leader)


def intros_of(session: Session, leader_id: int) -> list[Introduction]:
    """Every introduction the leader sent or received (or answers as a delegate), newest first."""
    principals = principals_of(session, leader_id)
    return list(session.scalars(select(Introduction).where(
        or_(Introduction.requester_id == leader_id, Introduction.recipient_id == leader_id,
            Introduction.recipient_id.in_(principals) if principals else False))
        .order_by(Introduction.id.desc()).limit(50)))


def waiting(session: Session, recipient_id: int | None = None) -> list[Introduction]:
    """Open requests not yet delivered: the recipient has no chat account yet."""
    query = select(Introduction).where(Introduction.status.in_(OPEN), Introduction.delivered_at.is_(None))
    if recipient_id is not None:
        query = query.where(Introduction.recipient_id == recipient_id)
    return list(session.scalars(query.order_by(Introduction.id)))


# Built once (as accounts._LINKED_LEADER is): asked on every turn that shows people, and building the
# statement each time cost several times what running it does. Two index lookups (a UNION), not an OR
# across two columns, which SQLite answers with a scan.
_ACCEPTED_WITH = union(
    select(Introduction.recipient_id).where(Introduction.requester_id == bindparam("leader"),
                                            Introduction.status == ACCEPTED),
    select(Introduction.requester_id).where(Introduction.recipient_id == bindparam("leader"),
                                            Introduction.status == ACCEPTED))


def accepted_with(session: Session, leader_id: int) -> frozenset[int]:
    """The leaders `leader_id` has an accepted introduction with (either way round): they see each
    other's `introduced` fields from then on."""
    return frozenset(session.execute(_ACCEPTED_WITH, {"leader": leader_id}).scalars())
